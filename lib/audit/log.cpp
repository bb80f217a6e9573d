#include "audit/log.hpp"

#include "base/env.hpp"
#include "base/fd.hpp"
#include "base/file.hpp"
#include "base/text.hpp"
#include "base/time.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fmt/format.h>

namespace qops::audit {
namespace {

// Counting reads blocks small enough to stay in the CPU cache between the kernel's copy
// and the count.
constexpr size_t k_count_block_bytes = 128 * 1024;

bool is_hex64(std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

} // namespace

std::optional<LineView> view_line(std::string_view line) {
    if (line.size() < 3 || line[0] != '[') return std::nullopt;
    const auto close = line.find("] ");
    if (close == std::string_view::npos || close < 11) return std::nullopt;
    const std::string_view ts = line.substr(1, close - 1);
    if (ts.size() < 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts.back() != 'Z') return std::nullopt;
    LineView v{line, std::nullopt};
    if (line.size() >= 66 + close && line[line.size() - 66] == '\t' && line[line.size() - 65] == '#' &&
        is_hex64(line.substr(line.size() - 64))) {
        v.chain = line.substr(line.size() - 64);
        v.text = line.substr(0, line.size() - 66);
    }
    return v;
}

std::optional<Entry> parse_line(std::string_view line) {
    const auto v = view_line(line);
    if (!v) return std::nullopt;
    const auto close = line.find("] ");
    Entry e;
    e.timestamp = std::string(line.substr(1, close - 1));
    if (v->chain) e.chain = std::string(*v->chain);
    e.text = std::string(v->text);
    e.message = text::unescape(v->text.substr(close + 2));
    return e;
}

LogLocation resolve_log(const std::string& flag_value) {
    LogLocation loc;
    loc.primary = !flag_value.empty() ? flag_value : env_or("QT_AUDIT_LOG", "/var/log/quantum/audit.log");
    loc.path = loc.primary;
    if (!flag_value.empty() || !env_or("QT_AUDIT_LOG", "").empty()) return loc; // explicit: no fallback
    const std::string dir = std::filesystem::path(loc.primary).parent_path().string();
    if (::access(dir.c_str(), W_OK) == 0) return loc;
    std::string state = env_or("XDG_STATE_HOME", "");
    if (state.empty()) state = env_or("HOME", "/tmp") + "/.local/state";
    loc.path = state + "/quantum/audit.log";
    loc.fell_back = true;
    return loc;
}

namespace {

// Entries starting in [p, p + n), given the byte before p ('\n' at a line start): an
// entry is a line that starts with '[' (chained and legacy lines both do; blank or stray
// lines are not entries). Counted in runs of 255 bytes into a byte-wide counter, a loop
// the compiler vectorizes (std::count's 64-bit counter keeps it scalar).
uint64_t count_entry_starts(const char* p, size_t n, char before) {
    if (n == 0) return 0;
    uint64_t total = p[0] == '[' && before == '\n' ? 1 : 0;
    for (size_t i = 1; i < n;) {
        const size_t run = std::min<size_t>(n - i, 255);
        uint8_t c = 0;
        for (size_t k = i; k < i + run; ++k)
            c = static_cast<uint8_t>(c + (static_cast<int>(p[k] == '[') & static_cast<int>(p[k - 1] == '\n')));
        total += c;
        i += run;
    }
    return total;
}

// Entries in [begin, end), which starts at a line start.
Result<uint64_t> count_entries(int fd, uint64_t begin, uint64_t end) {
    ::posix_fadvise(fd, static_cast<off_t>(begin), static_cast<off_t>(end - begin), POSIX_FADV_SEQUENTIAL);
    std::vector<char> buf(static_cast<size_t>(std::clamp<uint64_t>(end - begin, 1, k_count_block_bytes)));
    uint64_t entries = 0;
    char before = '\n';
    for (uint64_t off = begin; off < end;) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - off));
        auto n = pread_all(fd, buf.data(), want, off);
        if (!n) return n.error();
        if (*n == 0) break;
        entries += count_entry_starts(buf.data(), *n, before);
        before = buf.data()[*n - 1];
        off += *n;
    }
    return entries;
}

} // namespace

Result<uint64_t> count_lines(const std::string& path) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    return count_entries(fd->get(), 0, file_size(fd->get()));
}

} // namespace qops::audit
