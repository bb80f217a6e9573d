#include "audit/day.hpp"

#include "base/fd.hpp"
#include "base/file.hpp"
#include "base/time.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <optional>

namespace qops::audit {
namespace {

// A probe reads this much at a time: one block holds its line start and the stamp after it.
constexpr size_t k_probe_bytes = 4096;
// Below this the bisection reads the rest of its window line by line.
constexpr uint64_t k_linear_scan_bytes = 64 * 1024;
// The day's stretch is scanned in blocks small enough to stay in the CPU cache.
constexpr size_t k_scan_block_bytes = 128 * 1024;
// What a line's test needs: '[' and "YYYY-MM-DDTHH:MM:SS".
constexpr size_t k_prefix_bytes = 20;

// The files of the log read as one text, oldest first; a file that does not end with a
// newline gets one, so its last line never runs into the next file's first.
class LogText {
public:
    static Result<LogText> open(const std::vector<std::string>& paths) {
        LogText t;
        for (const auto& path : paths) {
            auto fd = open_read(path);
            if (!fd) return fd.error();
            Part part{std::move(*fd), t.m_size, 0, false};
            part.size = file_size(part.fd.get());
            if (part.size > 0) {
                char last = '\n';
                auto n = pread_all(part.fd.get(), &last, 1, part.size - 1);
                if (!n) return n.error();
                part.add_newline = *n == 1 && last != '\n';
            }
            t.m_size += part.size + (part.add_newline ? 1 : 0);
            t.m_parts.push_back(std::move(part));
        }
        return t;
    }

    uint64_t size() const { return m_size; }

    // Reads up to n bytes at off, across files; short only at the end.
    Result<size_t> read(uint64_t off, char* buf, size_t n) const {
        size_t done = 0;
        for (const auto& part : m_parts) {
            if (done == n) break;
            const uint64_t end = part.begin + part.size + (part.add_newline ? 1 : 0);
            if (off + done >= end) continue;
            const uint64_t at = off + done - part.begin;
            if (at < part.size) {
                const size_t want = static_cast<size_t>(std::min<uint64_t>(n - done, part.size - at));
                auto got = pread_all(part.fd.get(), buf + done, want, at);
                if (!got) return got.error();
                done += *got;
                if (*got < want) break; // the file shrank under us: stop at what is there
            }
            if (done < n && part.add_newline && off + done == end - 1) buf[done++] = '\n';
        }
        return done;
    }

private:
    struct Part {
        UniqueFd fd;
        uint64_t begin = 0; // offset of its first byte in the text
        uint64_t size = 0;
        bool add_newline = false;
    };
    std::vector<Part> m_parts;
    uint64_t m_size = 0;
};

// "[YYYY-MM-DD" with digits where the digits go.
bool is_dated(std::string_view p) {
    if (p.size() < 11 || p[0] != '[' || p[5] != '-' || p[8] != '-') return false;
    for (const size_t i : {1u, 2u, 3u, 4u, 6u, 7u, 9u, 10u})
        if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

// The stamp to the second, "YYYY-MM-DDTHH:MM:SS" (shorter when the line is): stamps of the
// contract's format compare as strings in time order.
std::string_view key_of(std::string_view p) {
    return p.substr(1, k_prefix_bytes - 1);
}

// Calls on_line(start, prefix) for each line starting in [from, to) (from: any offset; a
// line begun before it is passed over), prefix = its first k_prefix_bytes without the
// newline. Stops early when on_line returns true. Lines may be longer than a block.
template <typename OnLine>
Result<void> scan_lines(const LogText& t, uint64_t from, uint64_t to, size_t block, OnLine&& on_line) {
    to = std::min(to, t.size());
    if (from >= to) return {};
    std::vector<char> buf(block);
    uint64_t off = from == 0 ? 0 : from - 1; // text offset of buf[0]
    bool peek = from != 0;                   // buf[0] only tells whether `from` starts a line
    bool at_start = from == 0;
    bool collecting = false;
    uint64_t start = 0;
    std::string prefix;
    while (off < t.size()) {
        auto got = t.read(off, buf.data(), buf.size());
        if (!got) return got.error();
        const size_t n = *got;
        if (n == 0) break;
        size_t i = 0;
        if (peek) {
            at_start = buf[0] == '\n';
            i = 1;
            peek = false;
        }
        while (i < n) {
            if (collecting) {
                const size_t take = std::min(k_prefix_bytes - prefix.size(), n - i);
                const char* here = buf.data() + i;
                const char* nl = std::find(here, here + take, '\n');
                const bool found = nl != here + take;
                const auto len = static_cast<size_t>(nl - here);
                prefix.append(buf.data() + i, len);
                i += len;
                if (found || prefix.size() == k_prefix_bytes) {
                    collecting = false;
                    if (on_line(start, std::string_view(prefix))) return {};
                    if (found) {
                        ++i;
                        at_start = true;
                    }
                }
                continue;
            }
            if (at_start) {
                if (off + i >= to) return {};
                start = off + i;
                at_start = false;
                if (n - i >= k_prefix_bytes) { // the prefix is in the block: no copy
                    const auto* nl = static_cast<const char*>(std::memchr(buf.data() + i, '\n', k_prefix_bytes));
                    const size_t len = nl ? static_cast<size_t>(nl - (buf.data() + i)) : k_prefix_bytes;
                    if (on_line(start, std::string_view(buf.data() + i, len))) return {};
                    i += len;
                    if (nl) {
                        ++i;
                        at_start = true;
                    }
                    continue;
                }
                prefix.clear();
                collecting = true;
                continue;
            }
            const auto* nl = static_cast<const char*>(std::memchr(buf.data() + i, '\n', n - i));
            if (!nl) break;
            i = static_cast<size_t>(nl - buf.data()) + 1;
            at_start = true;
        }
        off += n;
        if (at_start && off >= to) return {};
    }
    if (collecting) on_line(start, std::string_view(prefix));
    return {};
}

// The start of a dated line stamped at or after `bound` whose dated predecessor (from
// `from` on) is stamped before it: the first such line when the text is in order, one of
// them when it is not. The end of the text when there is none.
Result<uint64_t> find_boundary(const LogText& t, std::string_view bound, uint64_t from) {
    uint64_t lo = from;        // the last dated line starting in [from, lo) is before bound (or none is)
    uint64_t hi = t.size();    // a dated line at or after bound starts here (or the end)
    uint64_t limit = t.size(); // no dated line starts in [limit, hi)
    while (limit - lo > k_linear_scan_bytes) {
        const uint64_t mid = lo + (limit - lo) / 2;
        std::optional<uint64_t> found;
        std::optional<uint64_t> first_start; // lines from here to `found` are undated
        bool after = false;
        // Reads on through undated lines up to `limit`: how far that is, is not guessed.
        auto r = scan_lines(t, mid, limit, k_probe_bytes, [&](uint64_t start, std::string_view p) {
            if (!first_start) first_start = start;
            if (!is_dated(p)) return false;
            found = start;
            after = key_of(p) >= bound;
            return true;
        });
        if (!r) return r.error();
        if (!found) {
            limit = mid;
        } else if (after) {
            hi = *found;
            limit = *first_start; // so that the next probe does not read the same undated run again
        } else {
            lo = *found + 1; // past its line start: the next scan begins after that line
        }
    }
    std::optional<uint64_t> first;
    auto r = scan_lines(t, lo, limit, k_linear_scan_bytes, [&](uint64_t start, std::string_view p) {
        if (!is_dated(p) || key_of(p) < bound) return false;
        first = start;
        return true;
    });
    if (!r) return r.error();
    return first ? *first : hi;
}

// Reads the whole line starting at `start` (without its newline).
Result<std::string> line_at(const LogText& t, uint64_t start) {
    std::string line;
    char buf[k_probe_bytes];
    for (uint64_t off = start; off < t.size();) {
        auto n = t.read(off, buf, sizeof buf);
        if (!n) return n.error();
        if (*n == 0) break;
        const auto* nl = static_cast<const char*>(std::memchr(buf, '\n', *n));
        line.append(buf, nl ? static_cast<size_t>(nl - buf) : *n);
        if (nl) break;
        off += *n;
    }
    return line;
}

struct Scan {
    Day day;
    bool outside = false; // a dated line stamped outside [lo_key, hi_key) was met
};

// The lines of `day` starting in [begin, end), the last `keep` of them, and the order seen.
Result<Scan> scan_day(const LogText& t, uint64_t begin, uint64_t end, const std::string& day, size_t keep,
                      std::string_view lo_key, std::string_view hi_key) {
    Scan s;
    const std::string head = "[" + day;
    std::string latest; // the latest stamp so far (to the second)
    std::deque<uint64_t> recent;
    auto r = scan_lines(t, begin, end, k_scan_block_bytes, [&](uint64_t start, std::string_view p) {
        if (!is_dated(p)) return false;
        const std::string_view key = key_of(p);
        if (key < latest)
            ++s.day.out_of_order;
        else
            latest.assign(key);
        if (key < lo_key || key >= hi_key) s.outside = true;
        if (p.substr(0, head.size()) == head) {
            ++s.day.count;
            if (keep > 0) {
                if (recent.size() == keep) recent.pop_front();
                recent.push_back(start);
            }
        }
        return false;
    });
    if (!r) return r.error();
    for (uint64_t start : recent) {
        auto line = line_at(t, start);
        if (!line) return line.error();
        if (auto e = parse_line(*line)) s.day.recent.push_back(std::move(*e));
    }
    return s;
}

// YYYY-MM-DD of the day `delta` days from `day` (a valid date).
std::string day_plus(const std::string& day, int delta) {
    const int64_t y = std::stoi(day.substr(0, 4));
    const auto m = static_cast<unsigned>(std::stoi(day.substr(5, 2)));
    const auto d = static_cast<unsigned>(std::stoi(day.substr(8, 2)));
    return iso8601_utc((days_from_civil(y, m, d) + delta) * 86400).substr(0, 10);
}

} // namespace

Result<Day> read_day(const std::vector<std::string>& files, const std::string& day, size_t keep) {
    if (!is_dated("[" + day)) return usage_error(fmt::format("invalid day '{}': expected YYYY-MM-DD", day));
    auto text = LogText::open(files);
    if (!text) return text.error();
    // The window: the day widened by k_max_step_back_minutes on both sides.
    const int m = k_max_step_back_minutes;
    const std::string lo_key =
        fmt::format("{}T{:02}:{:02}:00", day_plus(day, -1), 23 - (m - 1) / 60, (60 - m % 60) % 60);
    const std::string hi_key = fmt::format("{}T{:02}:{:02}:00", day_plus(day, 1), m / 60, m % 60);
    auto begin = find_boundary(*text, lo_key, 0);
    if (!begin) return begin.error();
    auto end = find_boundary(*text, hi_key, *begin);
    if (!end) return end.error();
    auto scan = scan_day(*text, *begin, *end, day, keep, lo_key, hi_key);
    if (!scan) return scan.error();
    if (!scan->outside) return std::move(scan->day);
    // A clock stepped back further than the window inside it: the day's entries may stand
    // anywhere, so read everything rather than trust the bisection.
    auto all = scan_day(*text, 0, text->size(), day, keep, lo_key, hi_key);
    if (!all) return all.error();
    all->day.scanned_all = true;
    return std::move(all->day);
}

} // namespace qops::audit
