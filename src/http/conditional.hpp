#pragma once

namespace keepdav::http_util {} // to be written
