#include "http/conditional.hpp"
