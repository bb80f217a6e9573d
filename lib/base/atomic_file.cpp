#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fmt/format.h>
#include <vector>

namespace qops {
namespace {

std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Error write_error(const std::string& what, int err) {
    return unavailable(fmt::format("cannot write {}: {}", what, errno_text(err)), ErrorKind::io);
}

} // namespace

Result<void> fsync_parent_dir(const std::string& path) {
    const std::string dir = parent_dir(path);
    const UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return unavailable(fmt::format("cannot open directory {}: {}", dir, errno_text(errno)), ErrorKind::io);
    if (::fsync(dfd.get()) != 0 && errno != EINVAL)
        return unavailable(fmt::format("cannot fsync directory {}: {}", dir, errno_text(errno)), ErrorKind::io);
    return {};
}

Result<AtomicFile> AtomicFile::create(std::string path, mode_t mode) {
    std::string tmpl = path + ".tmp.XXXXXX";
    UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (!fd)
        return unavailable(fmt::format("cannot create a temp file for {}: {}", path, errno_text(errno)), ErrorKind::io);
    AtomicFile file(std::move(path), std::move(tmpl), std::move(fd));
    if (::fchmod(file.m_fd.get(), mode) != 0)
        return unavailable(fmt::format("cannot chmod the temp file for {}: {}", file.m_path, errno_text(errno)),
                           ErrorKind::io);
    return file;
}

AtomicFile::~AtomicFile() {
    if (!m_tmp_path.empty()) ::unlink(m_tmp_path.c_str());
}

Result<void> AtomicFile::write(std::span<const std::string_view> pieces) {
    std::vector<iovec> iov;
    iov.reserve(pieces.size());
    for (const auto p : pieces)
        if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()}); // NOLINT: writev only reads
    size_t first = 0;
    while (first < iov.size()) {
        const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
        const ssize_t n = ::writev(m_fd.get(), iov.data() + first, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            return write_error(m_tmp_path, errno);
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

Result<void> AtomicFile::commit() {
    if (::fsync(m_fd.get()) != 0)
        return unavailable(fmt::format("cannot fsync {}: {}", m_tmp_path, errno_text(errno)), ErrorKind::io);
    // close() can report a deferred write error (NFS, quota): the temp file is then
    // removed by the destructor, as on every other failure.
    if (::close(m_fd.release()) != 0) return write_error(m_tmp_path, errno);
    if (::rename(m_tmp_path.c_str(), m_path.c_str()) != 0)
        return unavailable(fmt::format("cannot rename {} to {}: {}", m_tmp_path, m_path, errno_text(errno)),
                           ErrorKind::io);
    m_tmp_path.clear();
    return fsync_parent_dir(m_path);
}

Result<void> write_file_atomic(const std::string& path, std::span<const std::string_view> pieces, mode_t mode) {
    auto file = AtomicFile::create(path, mode);
    if (!file) return file.error();
    if (auto r = file->write(pieces); !r) return r;
    return file->commit();
}

} // namespace qops
