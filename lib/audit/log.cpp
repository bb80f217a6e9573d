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
#include <array>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fmt/format.h>

namespace qops::audit {
namespace {

constexpr uint64_t k_linear_scan_bytes = 64 * 1024;
// Counting reads blocks small enough to stay in the CPU cache between the kernel's copy
// and the count.
constexpr size_t k_count_block_bytes = 128 * 1024;

bool is_hex64(std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string date_of(std::string_view line) {
    if (line.size() < 11 || line[0] != '[') return {};
    return std::string(line.substr(1, 10));
}

} // namespace

std::optional<Entry> parse_line(std::string_view line) {
    if (line.size() < 3 || line[0] != '[') return std::nullopt;
    auto close = line.find("] ");
    if (close == std::string_view::npos || close < 11) return std::nullopt;
    Entry e;
    e.timestamp = std::string(line.substr(1, close - 1));
    const std::string_view ts = e.timestamp;
    if (ts.size() < 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts.back() != 'Z') return std::nullopt;
    std::string_view chained = line;
    if (line.size() >= 66 + close && line[line.size() - 66] == '\t' && line[line.size() - 65] == '#' &&
        is_hex64(line.substr(line.size() - 64))) {
        e.chain = std::string(line.substr(line.size() - 64));
        chained = line.substr(0, line.size() - 66);
    }
    e.text = std::string(chained);
    e.message = text::unescape(chained.substr(close + 2));
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

constexpr size_t k_probe_bytes = 4096;
constexpr int k_max_probe_lines = 16; // undated lines passed over before a probe gives up

// A line that starts with an entry's "[YYYY-MM-DD": where it starts and its date.
struct DatedLine {
    uint64_t start = 0;
    std::string date;
};

bool is_date(const std::string& d) {
    return d.size() == 10 && d[4] == '-' && d[7] == '-';
}

// The first dated line starting at or after off (0, or any offset: the line under it is
// passed over), within k_max_probe_lines lines. Reads 4 KB blocks, usually one.
Result<std::optional<DatedLine>> dated_line_from(int fd, uint64_t off, uint64_t size) {
    std::array<char, k_probe_bytes> buf{};
    uint64_t p = off == 0 ? 0 : off - 1; // file offset of buf[0]
    bool to_next_line = off != 0;        // the line start is after the next newline
    for (int lines = 0; p < size;) {
        auto n = pread_all(fd, buf.data(), buf.size(), p);
        if (!n) return n.error();
        if (*n == 0) break;
        const std::string_view v(buf.data(), *n);
        size_t i = 0;
        if (to_next_line) {
            const size_t nl = v.find('\n');
            if (nl == std::string_view::npos) {
                p += *n;
                continue;
            }
            i = nl + 1;
            to_next_line = false;
        }
        if (i + 11 > v.size() && p + *n < size) { // the date would straddle the block: re-read from the line
            p += i;
            continue;
        }
        if (const std::string d = date_of(v.substr(i)); is_date(d))
            return std::optional<DatedLine>(DatedLine{p + i, d});
        if (++lines >= k_max_probe_lines) break;
        p += i; // the next read starts at this line and looks for its end
        to_next_line = true;
    }
    return std::optional<DatedLine>{};
}

// Offset of the first line whose date is >= target (strict: > target), searching from
// lo (a line start) by bisection over byte offsets, then one read of the last stretch.
Result<uint64_t> first_line_from(int fd, uint64_t size, const std::string& target, bool strict, uint64_t lo) {
    auto before = [&](const std::string& d) { return strict ? d <= target : d < target; };
    uint64_t hi = size;
    uint64_t answer = size; // the dated line found at hi, when hi is one
    while (hi - lo > k_linear_scan_bytes) {
        const uint64_t mid = lo + (hi - lo) / 2;
        auto line = dated_line_from(fd, mid, size);
        if (!line) return line.error();
        if (!*line || (*line)->start >= hi) {
            hi = mid; // no dated line starts in [mid, hi)
        } else if (before((*line)->date)) {
            lo = (*line)->start;
        } else {
            hi = answer = (*line)->start;
        }
    }
    // The lines starting in [lo, hi), in one read (plus room for the last one's date).
    std::string buf(static_cast<size_t>(std::min<uint64_t>(size, hi + k_probe_bytes) - lo), '\0');
    auto n = pread_all(fd, buf.data(), buf.size(), lo);
    if (!n) return n.error();
    const std::string_view v(buf.data(), *n);
    for (size_t s = 0; lo + s < hi && s < v.size();) {
        if (const std::string d = date_of(v.substr(s)); is_date(d) && !before(d)) return lo + s;
        const size_t nl = v.find('\n', s);
        if (nl == std::string_view::npos) break;
        s = nl + 1;
    }
    return answer;
}

} // namespace

Result<DayRange> find_day(const std::string& path, const std::string& day) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    const uint64_t size = file_size(fd->get());
    auto begin = first_line_from(fd->get(), size, day, false, 0);
    if (!begin) return begin.error();
    auto end = first_line_from(fd->get(), size, day, true, *begin);
    if (!end) return end.error();
    return DayRange{*begin, *end};
}

namespace {

// Entries starting in [p, p + n), given the byte before p ('\n' at a line start): an
// entry is a line that starts with '[' (chained and legacy lines both do; blank or stray
// lines are not entries). Counted in runs of 255 bytes into a byte-wide counter, a loop
// the compiler vectorizes (std::count's 64-bit counter keeps it scalar).
uint64_t count_entry_starts(const char* p, size_t n, char before) {
    if (n == 0) return 0;
    uint64_t total = p[0] == '[' && before == '\n';
    for (size_t i = 1; i < n;) {
        const size_t run = std::min<size_t>(n - i, 255);
        uint8_t c = 0;
        for (size_t k = i; k < i + run; ++k)
            c = static_cast<uint8_t>(c + ((p[k] == '[') & (p[k - 1] == '\n')));
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

// The last `keep` entries of [begin, end), oldest first, read backwards from the
// end in growing blocks: a day of thousands of entries costs a few kilobytes here.
Result<std::vector<std::string>> tail_lines(int fd, uint64_t begin, uint64_t end, size_t keep) {
    std::vector<std::string> lines;
    if (keep == 0 || end <= begin) return lines;
    uint64_t span = std::min<uint64_t>(end - begin, keep * 256);
    for (;;) {
        std::string buf(static_cast<size_t>(span), '\0');
        auto n = pread_all(fd, buf.data(), buf.size(), end - span);
        if (!n) return n.error();
        buf.resize(*n);
        std::string_view view(buf);
        const bool whole = end - span == begin; // else the first line may be cut
        lines.clear();
        while (!view.empty() && lines.size() < keep) {
            if (view.back() == '\n') view.remove_suffix(1);
            const size_t nl = view.rfind('\n');
            if (nl == std::string_view::npos && !whole) break;
            const std::string_view line = nl == std::string_view::npos ? view : view.substr(nl + 1);
            if (line.starts_with('[')) lines.emplace_back(line);
            view = nl == std::string_view::npos ? std::string_view{} : view.substr(0, nl + 1);
        }
        if (lines.size() == keep || whole) break;
        span = std::min<uint64_t>(end - begin, span * 4);
    }
    std::reverse(lines.begin(), lines.end());
    return lines;
}

} // namespace

Result<uint64_t> count_lines(const std::string& path) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    return count_entries(fd->get(), 0, file_size(fd->get()));
}

Result<DayEntries> read_range(const std::string& path, DayRange range, size_t keep) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    DayEntries out;
    auto count = count_entries(fd->get(), range.begin, range.end);
    if (!count) return count.error();
    out.count = *count;
    auto recent = tail_lines(fd->get(), range.begin, range.end, keep);
    if (!recent) return recent.error();
    for (const auto& line : *recent)
        if (auto e = parse_line(line)) out.recent.push_back(std::move(*e));
    return out;
}

} // namespace qops::audit
