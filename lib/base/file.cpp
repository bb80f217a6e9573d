#include "base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

namespace qops {

Result<UniqueFd> open_read(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        const int err = errno;
        return unavailable(fmt::format("cannot open {}: {}", path, errno_text(err)),
                           err == ENOENT ? ErrorKind::not_found : ErrorKind::io);
    }
    return fd;
}

Result<size_t> pread_all(int fd, char* buf, size_t n, uint64_t offset) {
    size_t done = 0;
    while (done < n) {
        const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0) {
            if (errno == EINTR) continue;
            return unavailable(fmt::format("read failed: {}", errno_text(errno)), ErrorKind::io);
        }
        if (r == 0) break;
        done += static_cast<size_t>(r);
    }
    return done;
}

uint64_t file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_size);
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    // Sized from fstat so a regular file is read in one call; the buffer grows only when a
    // read fills it (files that grow meanwhile, and those fstat cannot size: pipes, /proc).
    const size_t expected = std::min<size_t>(file_size(fd->get()), max_bytes);
    std::string out(expected + 1, '\0');
    size_t used = 0;
    for (;;) {
        if (used == out.size()) out.resize(out.size() + 65536);
        const ssize_t n = ::read(fd->get(), out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return unavailable(fmt::format("cannot read {}: {}", path, errno_text(errno)), ErrorKind::io);
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
        if (used > max_bytes) return usage_error(fmt::format("{} is larger than {} bytes", path, max_bytes));
    }
    out.resize(used);
    return out;
}

} // namespace qops
