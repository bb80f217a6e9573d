#pragma once
// Atomic replacement of a file: write to a temp file in the same directory, and only on
// commit() fsync it, rename it over the target and fsync the directory. Destroyed or
// failed without commit(), the temp file is removed and the target is untouched.

#include "base/error.hpp"
#include "base/fd.hpp"

#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>

namespace qops {

class AtomicFile {
public:
    // Creates the temp file beside path with the given mode. Errors: unavailable.
    static Result<AtomicFile> create(std::string path, mode_t mode = 0644);

    AtomicFile(AtomicFile&& other) noexcept
        : m_path(std::move(other.m_path)), m_tmp_path(std::exchange(other.m_tmp_path, {})),
          m_fd(std::move(other.m_fd)) {}
    AtomicFile& operator=(AtomicFile&&) = delete;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    // Appends the pieces in order. ENOSPC and friends are reported here or by commit.
    Result<void> write(std::span<const std::string_view> pieces);
    Result<void> write(std::string_view data) { return write(std::span<const std::string_view>(&data, 1)); }
    // fsync + rename over the target + fsync of the directory.
    Result<void> commit();

    const std::string& path() const noexcept { return m_path; }

private:
    AtomicFile(std::string path, std::string tmp_path, UniqueFd fd)
        : m_path(std::move(path)), m_tmp_path(std::move(tmp_path)), m_fd(std::move(fd)) {}

    std::string m_path;
    std::string m_tmp_path; // empty once renamed or removed
    UniqueFd m_fd;
};

// Replaces path with the concatenated pieces atomically (create + write + commit).
Result<void> write_file_atomic(const std::string& path, std::span<const std::string_view> pieces, mode_t mode = 0644);
inline Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644) {
    return write_file_atomic(path, std::span<const std::string_view>(&content, 1), mode);
}

// fsyncs the directory holding path so a rename or unlink in it is durable.
Result<void> fsync_parent_dir(const std::string& path);

} // namespace qops
