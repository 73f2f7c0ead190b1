// The one translation unit that compiles toml++ (TOML_HEADER_ONLY=0 everywhere else), as boost_impl.cpp
// does for Asio and Beast.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
