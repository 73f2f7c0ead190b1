#pragma once
// Namespace aliases, declared once for the whole code base.
#include <boost/asio/ip/tcp.hpp>

namespace boost::beast {}
namespace boost::beast::http {}
namespace boost::urls {}

namespace keepdav {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace urls = boost::urls;
using tcp = boost::asio::ip::tcp;
} // namespace keepdav
