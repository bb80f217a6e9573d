#pragma once
// An exclusive advisory lock (flock(2)) on a lock file, held while the object lives.
// Every writer that must exclude others (the audit log, the ledger, the watch's
// checkpoint) takes one of these; the lock file is never replaced, so the lock stays
// valid while the data file beside it is replaced by rename.

#include "base/error.hpp"
#include "base/fd.hpp"

#include <optional>
#include <string>
#include <sys/types.h>

namespace qops {

class FileLock {
public:
    // Opens (creating with mode) path and waits for the lock. Errors: unavailable.
    static Result<FileLock> acquire(const std::string& path, mode_t mode = 0640);
    // As acquire, without waiting: nullopt when another process holds it.
    static Result<std::optional<FileLock>> try_acquire(const std::string& path, mode_t mode = 0640);

    FileLock(FileLock&&) noexcept = default;
    FileLock& operator=(FileLock&&) noexcept = default;
    ~FileLock() = default; // closing the descriptor releases the lock

    const std::string& path() const noexcept { return m_path; }

private:
    FileLock(std::string path, UniqueFd fd) : m_path(std::move(path)), m_fd(std::move(fd)) {}
    std::string m_path;
    UniqueFd m_fd;
};

} // namespace qops
