#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <vector>

namespace qops {

std::string errno_text(int err) {
    char buf[256];
    // GNU strerror_r may return a static string instead of filling buf.
    return std::string(::strerror_r(err, buf, sizeof buf));
}

namespace {

std::string parent_dir(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Result<void> writev_all(int fd, std::span<const std::string_view> pieces, const std::string& what) {
    std::vector<iovec> iov;
    for (const auto p : pieces)
        if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()}); // NOLINT: writev only reads
    size_t first = 0;
    while (first < iov.size()) {
        const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
        ssize_t n = ::writev(fd, iov.data() + first, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{ExitCode::unavailable, fmt::format("cannot write {}: {}", what, errno_text(errno))};
        }
        // Past what was written: whole pieces, then into the partly written one.
        for (auto left = static_cast<size_t>(n); left > 0 && first < iov.size();) {
            const size_t step = std::min(left, iov[first].iov_len);
            iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + step;
            iov[first].iov_len -= step;
            left -= step;
            if (iov[first].iov_len == 0) ++first;
        }
    }
    return {};
}

} // namespace

Result<void> fsync_parent_dir(const std::string& path) {
    const std::string dir = parent_dir(path);
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return Error{ExitCode::unavailable, fmt::format("cannot open directory {}: {}", dir, errno_text(errno))};
    if (::fsync(dfd.get()) != 0 && errno != EINVAL)
        return Error{ExitCode::unavailable, fmt::format("cannot fsync directory {}: {}", dir, errno_text(errno))};
    return {};
}

Result<AtomicFile> AtomicFile::create(std::string path, mode_t mode) {
    std::string tmpl = path + ".tmp.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0)
        return Error{ExitCode::unavailable, fmt::format("cannot create temp file for {}: {}", path, errno_text(errno))};
    UniqueFd owned(fd);
    if (::fchmod(fd, mode) != 0) {
        int err = errno;
        ::unlink(buf.data());
        return Error{ExitCode::unavailable, fmt::format("cannot chmod temp file for {}: {}", path, errno_text(err))};
    }
    return AtomicFile(std::move(path), std::string(buf.data()), std::move(owned));
}

AtomicFile::~AtomicFile() {
    if (!m_committed && !m_tmp_path.empty() && m_fd.valid()) ::unlink(m_tmp_path.c_str());
}

Result<void> AtomicFile::write(std::string_view data) { return write(std::span<const std::string_view>(&data, 1)); }

Result<void> AtomicFile::write(std::span<const std::string_view> pieces) {
    return writev_all(m_fd.get(), pieces, m_tmp_path);
}

Result<void> AtomicFile::commit() {
    if (::fsync(m_fd.get()) != 0)
        return Error{ExitCode::unavailable, fmt::format("cannot fsync {}: {}", m_tmp_path, errno_text(errno))};
    if (::close(m_fd.release()) != 0)
        return Error{ExitCode::unavailable, fmt::format("cannot close {}: {}", m_tmp_path, errno_text(errno))};
    if (::rename(m_tmp_path.c_str(), m_path.c_str()) != 0) {
        int err = errno;
        ::unlink(m_tmp_path.c_str());
        m_committed = true; // nothing left to clean up
        return Error{ExitCode::unavailable, fmt::format("cannot rename {} to {}: {}", m_tmp_path, m_path, errno_text(err))};
    }
    m_committed = true;
    return fsync_parent_dir(m_path);
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    return write_file_atomic(path, std::span<const std::string_view>(&content, 1), mode);
}

Result<void> write_file_atomic(const std::string& path, std::span<const std::string_view> pieces, mode_t mode) {
    auto file = AtomicFile::create(path, mode);
    if (!file) return file.error();
    if (auto r = file->write(pieces); !r) return r;
    return file->commit();
}

Result<FileBytes> read_file_bytes(const std::string& path, size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error{ExitCode::unavailable, fmt::format("cannot open {}: {}", path, errno_text(errno))};
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return Error{ExitCode::unavailable, fmt::format("cannot stat {}: {}", path, errno_text(errno))};
    if (!S_ISREG(st.st_mode)) return Error{ExitCode::unavailable, fmt::format("{} is not a regular file", path)};
    const auto expected = static_cast<size_t>(st.st_size);
    if (expected > max_bytes) return Error{ExitCode::usage, fmt::format("{} is larger than {} bytes", path, max_bytes)};
    // One byte more than fstat said, to see a file that grew meanwhile.
    FileBytes out{PageBuffer(expected + 1), 0};
    out.buffer.populate();
    for (;;) {
        if (out.size == out.buffer.size())
            return Error{ExitCode::unavailable, fmt::format("{} changed while it was read", path)};
        ssize_t n = ::read(fd.get(), out.buffer.data() + out.size, out.buffer.size() - out.size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{ExitCode::unavailable, fmt::format("cannot read {}: {}", path, errno_text(errno))};
        }
        if (n == 0) break;
        out.size += static_cast<size_t>(n);
    }
    return out;
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error{ExitCode::unavailable, fmt::format("cannot open {}: {}", path, errno_text(errno))};
    // Sized from fstat so a regular file is read in one call; the buffer grows only when a
    // read fills it (files that grow meanwhile, and those fstat cannot size: pipes, /proc).
    struct stat st {};
    const size_t expected = ::fstat(fd.get(), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
    std::string out(std::min(expected, max_bytes) + 1, '\0');
    size_t used = 0;
    for (;;) {
        if (used == out.size()) out.resize(out.size() + 65536);
        ssize_t n = ::read(fd.get(), out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{ExitCode::unavailable, fmt::format("cannot read {}: {}", path, errno_text(errno))};
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
        if (used > max_bytes) return Error{ExitCode::usage, fmt::format("{} is larger than {} bytes", path, max_bytes)};
    }
    out.resize(used);
    return out;
}

} // namespace qops
