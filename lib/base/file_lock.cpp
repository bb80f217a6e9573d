#include "base/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <fmt/format.h>

namespace qops {
namespace {

// Opens the lock file and flocks it; nullopt when non-blocking and held elsewhere.
Result<std::optional<UniqueFd>> lock(const std::string& path, mode_t mode, bool wait) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, mode));
    if (!fd) return unavailable(fmt::format("cannot open lock {}: {}", path, errno_text(errno)), ErrorKind::io);
    for (;;) {
        if (::flock(fd.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) == 0) return std::optional<UniqueFd>(std::move(fd));
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return std::optional<UniqueFd>();
        return unavailable(fmt::format("cannot lock {}: {}", path, errno_text(errno)), ErrorKind::io);
    }
}

} // namespace

Result<FileLock> FileLock::acquire(const std::string& path, mode_t mode) {
    auto fd = lock(path, mode, true);
    if (!fd) return fd.error();
    return FileLock(path, std::move(**fd));
}

Result<std::optional<FileLock>> FileLock::try_acquire(const std::string& path, mode_t mode) {
    auto fd = lock(path, mode, false);
    if (!fd) return fd.error();
    if (!*fd) return std::optional<FileLock>();
    return std::optional<FileLock>(FileLock(path, std::move(**fd)));
}

} // namespace qops
