#include "http/range.hpp"
