#include "base/error.hpp"

#include <cstring>

namespace qops {

std::string errno_text(int err) {
    char buf[256];
    // GNU strerror_r may return a static string instead of filling buf.
    return std::string(::strerror_r(err, buf, sizeof buf));
}

} // namespace qops
