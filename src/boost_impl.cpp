// The one translation unit that compiles Asio, Asio SSL, Beast, Boost.URL and Boost.JSON; every other file
// sees only their declarations (BOOST_*_SEPARATE_COMPILATION), which keeps 2-core builds fast.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/url/src.hpp>
#include <boost/json/src.hpp>
