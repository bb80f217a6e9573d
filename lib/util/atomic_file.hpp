#pragma once
// Atomic replacement of a file: write to a temp file in the same directory, and only on
// commit() fsync it, rename it over the target and fsync the directory. Destroyed
// without commit(), the temp file is removed and the target is untouched.

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/page_buffer.hpp"

#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace qops {

class AtomicFile {
public:
    // Creates the temp file beside path with the given mode. Errors: unavailable.
    static Result<AtomicFile> create(std::string path, mode_t mode = 0644);

    AtomicFile(AtomicFile&&) noexcept = default;
    AtomicFile& operator=(AtomicFile&&) noexcept = default;
    ~AtomicFile();

    // Appends data to the temp file. ENOSPC and friends are reported by write or commit.
    Result<void> write(std::string_view data);
    // Appends the pieces in order, with writev.
    Result<void> write(std::span<const std::string_view> pieces);
    // fsync + rename over the target + fsync of the directory.
    Result<void> commit();

    const std::string& path() const noexcept { return m_path; }

private:
    AtomicFile(std::string path, std::string tmp_path, UniqueFd fd)
        : m_path(std::move(path)), m_tmp_path(std::move(tmp_path)), m_fd(std::move(fd)) {}

    std::string m_path;
    std::string m_tmp_path;
    UniqueFd m_fd;
    bool m_committed = false;
};

// Replaces path with content atomically (AtomicFile create + write + commit).
Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644);

// Replaces path with the concatenated pieces atomically.
Result<void> write_file_atomic(const std::string& path, std::span<const std::string_view> pieces, mode_t mode = 0644);

// Reads a whole file, at most max_bytes. Errors: unavailable (missing file: ENOENT in message).
Result<std::string> read_file(const std::string& path, size_t max_bytes = 16u << 20);

// A whole file read into page-aligned memory that was faulted in before the read (see
// PageBuffer): for a file read whole and written back in pieces, like the ops ledger.
struct FileBytes {
    PageBuffer buffer;
    size_t size = 0;
    std::string_view view() const noexcept { return {buffer.data(), size}; }
};
// Errors as read_file.
Result<FileBytes> read_file_bytes(const std::string& path, size_t max_bytes = 16u << 20);

// fsyncs the directory holding path so a rename in it is durable.
Result<void> fsync_parent_dir(const std::string& path);

} // namespace qops
