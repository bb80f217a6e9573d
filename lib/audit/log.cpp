#include "audit/log.hpp"

#include "util/atomic_file.hpp"
#include "util/cli.hpp"
#include "util/crypto.hpp"
#include "util/fd.hpp"
#include "util/time.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <deque>
#include <filesystem>
#include <fmt/format.h>

namespace qops::audit {
namespace {

constexpr size_t k_block_bytes = 1u << 20;      // reads of whole-file scans
constexpr size_t k_tail_window_bytes = 1u << 20; // how far back append looks for the last chain value
constexpr uint64_t k_linear_scan_bytes = 64 * 1024;

Error unavailable(std::string m) { return Error{ExitCode::unavailable, std::move(m)}; }

bool is_hex64(std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F; // no UTF-16 surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return 0;
    }
    return n;
}

std::string date_of(std::string_view line) {
    if (line.size() < 11 || line[0] != '[') return {};
    return std::string(line.substr(1, 10));
}

// pread loop; returns bytes read (short only at end of file).
Result<size_t> pread_all(int fd, char* buf, size_t n, uint64_t off) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(off + done));
        if (r < 0) {
            if (errno == EINTR) continue;
            return unavailable(fmt::format("read failed: {}", errno_text(errno)));
        }
        if (r == 0) break;
        done += static_cast<size_t>(r);
    }
    return done;
}

Result<UniqueFd> open_read(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return unavailable(fmt::format("cannot open {}: {}", path, errno_text(errno)));
    return fd;
}

uint64_t file_size(int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    return static_cast<uint64_t>(st.st_size);
}

// Calls on_line for every complete line of [begin, end), read in blocks, and returns the
// unterminated rest at the end (empty when the range ends with a newline).
template <typename OnLine>
Result<std::string> for_each_line(int fd, uint64_t begin, uint64_t end, OnLine&& on_line) {
    std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(k_block_bytes, std::max<uint64_t>(end - begin, 1))));
    std::string carry;
    for (uint64_t off = begin; off < end;) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - off));
        auto n = pread_all(fd, buf.data(), want, off);
        if (!n) return n.error();
        if (*n == 0) break;
        off += *n;
        std::string_view chunk(buf.data(), *n);
        size_t start = 0;
        for (size_t nl; (nl = chunk.find('\n', start)) != std::string_view::npos; start = nl + 1) {
            if (carry.empty()) {
                on_line(chunk.substr(start, nl - start));
            } else {
                carry.append(chunk.substr(start, nl - start));
                on_line(std::string_view(carry));
                carry.clear();
            }
        }
        carry.append(chunk.substr(start));
    }
    return carry;
}

// The last chain value before the end of the file (legacy lines only: zeros).
Result<std::string> last_chain(int fd) {
    const uint64_t size = file_size(fd);
    const uint64_t start = size > k_tail_window_bytes ? size - k_tail_window_bytes : 0;
    std::string buf(static_cast<size_t>(size - start), '\0');
    auto n = pread_all(fd, buf.data(), buf.size(), start);
    if (!n) return n.error();
    buf.resize(*n);
    std::string_view view(buf);
    // Only complete lines count; a torn last line (no newline) is skipped.
    auto end = view.rfind('\n');
    if (end == std::string_view::npos) return std::string(k_zero_chain);
    view = view.substr(0, end);
    while (!view.empty()) {
        auto nl = view.rfind('\n');
        std::string_view line = nl == std::string_view::npos ? view : view.substr(nl + 1);
        if (nl == std::string_view::npos && start > 0) break; // the window cut this line
        auto e = parse_line(line);
        if (e && e->chain) return *e->chain;
        if (e && !e->chain) return std::string(k_zero_chain); // a legacy prefix ends here
        if (nl == std::string_view::npos) break;
        view = view.substr(0, nl);
    }
    return std::string(k_zero_chain);
}

std::string head_path(const std::string& path) { return path + ".head"; }

} // namespace

std::string escape_message(std::string_view m) {
    std::string out;
    out.reserve(m.size());
    for (size_t i = 0; i < m.size();) {
        const auto c = static_cast<unsigned char>(m[i]);
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else if (c < 0x80) out += static_cast<char>(c);
        else if (size_t n = utf8_sequence(m, i); n > 0) {
            out.append(m.substr(i, n));
            i += n;
            continue;
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
        ++i;
    }
    return out;
}

std::string unescape_message(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out += s[i];
            continue;
        }
        const char n = s[++i];
        if (n == 'n') out += '\n';
        else if (n == 'r') out += '\r';
        else if (n == 't') out += '\t';
        else if (n == '\\') out += '\\';
        else if (n == 'x' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += '\\';
            out += n;
        }
    }
    return out;
}

std::optional<Entry> parse_line(std::string_view line) {
    if (line.size() < 3 || line[0] != '[') return std::nullopt;
    auto close = line.find("] ");
    if (close == std::string_view::npos || close < 11) return std::nullopt;
    Entry e;
    e.timestamp = std::string(line.substr(1, close - 1));
    const std::string_view ts = e.timestamp;
    if (ts.size() < 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts.back() != 'Z') return std::nullopt;
    std::string_view text = line;
    if (line.size() >= 66 + close && line[line.size() - 66] == '\t' && line[line.size() - 65] == '#' &&
        is_hex64(line.substr(line.size() - 64))) {
        e.chain = std::string(line.substr(line.size() - 64));
        text = line.substr(0, line.size() - 66);
    }
    e.text = std::string(text);
    e.message = unescape_message(text.substr(close + 2));
    return e;
}

std::string chain_value(std::string_view key, std::string_view prev, std::string_view text) {
    std::string data;
    data.reserve(prev.size() + text.size());
    data.append(prev);
    data.append(text);
    return key.empty() ? sha256_hex(data) : hmac_sha256_hex(key, data);
}

Result<std::string> load_key() {
    auto from = [](const std::string& p) -> Result<std::string> {
        auto k = read_file(p, 4096);
        if (!k) return Error{ExitCode::unavailable, fmt::format("cannot read the audit key: {}", k.error().message)};
        std::string key = *k;
        while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
        return key;
    };
    const std::string file = env_or("QT_AUDIT_KEY_FILE", "");
    if (!file.empty()) return from(file);
    const std::string creds = env_or("CREDENTIALS_DIRECTORY", "");
    if (!creds.empty() && ::access((creds + "/audit-key").c_str(), F_OK) == 0) return from(creds + "/audit-key");
    return std::string();
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

Result<std::vector<std::string>> append(const std::string& path, const std::vector<std::string>& messages,
                                        const std::string& key, bool sync) {
    for (const auto& m : messages)
        if (m.size() > k_max_message_bytes)
            return Error{ExitCode::usage, fmt::format("message longer than {} bytes", k_max_message_bytes)};
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) return unavailable(fmt::format("cannot open {}: {}", path, errno_text(errno)));
    std::vector<std::string> written;
    for (const auto& message : messages) {
        if (::flock(fd.get(), LOCK_EX) != 0) return unavailable(fmt::format("cannot lock {}: {}", path, errno_text(errno)));
        // Everything below happens under the lock: the last chain value, the write, the head.
        struct Unlock {
            int fd;
            ~Unlock() { ::flock(fd, LOCK_UN); }
        } unlock{fd.get()};
        auto prev = last_chain(fd.get());
        if (!prev) return prev.error();
        const uint64_t size = file_size(fd.get());
        std::string torn_fix;
        if (size > 0) {
            char last = '\n';
            if (auto n = pread_all(fd.get(), &last, 1, size - 1); !n) return n.error();
            if (last != '\n') torn_fix = "\n"; // a torn line stays visible to verify, on its own
        }
        const std::string text = fmt::format("[{}] {}", iso8601_utc_micros(now_epoch_micros()), escape_message(message));
        const std::string chain = chain_value(key, *prev, text);
        const std::string line = fmt::format("{}{}\t#{}\n", torn_fix, text, chain);
        ssize_t w = ::write(fd.get(), line.data(), line.size());
        if (w != static_cast<ssize_t>(line.size())) {
            const int err = w < 0 ? errno : ENOSPC;
            // Take a partial line (disk full) back out so the log stays whole; if even that
            // fails, verify will name the cut-off line.
            if (w > 0) (void)::ftruncate(fd.get(), static_cast<off_t>(size));
            return unavailable(fmt::format("cannot write {}: {}", path, errno_text(err)));
        }
        if (sync && ::fdatasync(fd.get()) != 0) return unavailable(fmt::format("cannot sync {}: {}", path, errno_text(errno)));
        if (auto h = write_file_atomic(head_path(path), fmt::format("{} {}\n", chain, size + line.size()), 0640); !h)
            return unavailable(fmt::format("cannot write the head record: {}", h.error().message));
        written.push_back(line.substr(torn_fix.size(), line.size() - torn_fix.size() - 1));
    }
    return written;
}

Result<VerifyReport> verify(const std::string& path, const std::string& key) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    VerifyReport rep;
    std::string prev = k_zero_chain;
    std::string before_prev = k_zero_chain;

    auto fail = [&](std::string why) {
        if (rep.ok) {
            rep.ok = false;
            rep.bad_line = rep.lines;
            rep.problem = std::move(why);
        }
    };
    auto check_line = [&](std::string_view line) {
        ++rep.lines;
        if (!rep.ok) return;
        auto e = parse_line(line);
        if (!e) return fail("not an audit entry");
        if (!e->chain) {
            if (rep.chained > 0) return fail("an unchained line after chained entries (inserted, or its chain value removed)");
            ++rep.legacy;
            return;
        }
        if (chain_value(key, prev, e->text) != *e->chain)
            return fail("chain mismatch: a line was edited, deleted, reordered or inserted here (or the key is wrong)");
        before_prev = prev;
        prev = *e->chain;
        ++rep.chained;
    };
    auto rest = for_each_line(fd->get(), 0, file_size(fd->get()), check_line);
    if (!rest) return rest.error();
    if (!rest->empty()) {
        check_line(*rest);
        fail("the last line is cut off (truncated file)");
        rep.bad_line = rep.lines;
    }
    auto head = read_file(head_path(path), 4096);
    if (head && rep.ok) {
        rep.head_checked = true;
        const std::string h = head->substr(0, 64);
        // The head may lag one entry: a writer killed between its line and its head record.
        if (h != prev && h != before_prev) {
            rep.ok = false;
            rep.bad_line = rep.lines;
            rep.problem = "the log ends before the entry its head record names (tail removed or file truncated)";
        }
    }
    return rep;
}

namespace {

// Date of the first parseable line starting at line start `p` (skipping a few bad ones);
// sets `line_start` to where that line starts. Empty date at end of file.
Result<std::string> probe(int fd, uint64_t p, uint64_t size, uint64_t& line_start) {
    std::string buf(4096, '\0');
    for (int tries = 0; tries < 16 && p < size; ++tries) {
        auto n = pread_all(fd, buf.data(), buf.size(), p);
        if (!n) return n.error();
        std::string_view v(buf.data(), *n);
        auto nl = v.find('\n');
        std::string d = date_of(v.substr(0, nl));
        if (!d.empty() && d[4] == '-' && d[7] == '-') {
            line_start = p;
            return d;
        }
        if (nl == std::string_view::npos) break;
        p += nl + 1;
    }
    line_start = size;
    return std::string();
}

// Offset of the first line start at or after `off`.
Result<uint64_t> next_line_start(int fd, uint64_t off, uint64_t size) {
    if (off == 0) return uint64_t{0};
    std::string buf(64 * 1024, '\0');
    uint64_t p = off - 1;
    while (p < size) {
        auto n = pread_all(fd, buf.data(), buf.size(), p);
        if (!n) return n.error();
        if (*n == 0) break;
        auto nl = std::string_view(buf.data(), *n).find('\n');
        if (nl != std::string_view::npos) return p + nl + 1;
        p += *n;
    }
    return size;
}

// First line start whose date is >= target (strict: > target).
Result<uint64_t> first_line_from(int fd, uint64_t size, const std::string& target, bool strict, uint64_t lo) {
    auto before = [&](const std::string& d) { return strict ? d <= target : d < target; };
    uint64_t hi = size;
    while (hi - lo > k_linear_scan_bytes) {
        const uint64_t mid = lo + (hi - lo) / 2;
        auto p = next_line_start(fd, mid, size);
        if (!p) return p.error();
        if (*p >= hi) {
            hi = mid;
            continue;
        }
        uint64_t at = 0;
        auto d = probe(fd, *p, size, at);
        if (!d) return d.error();
        if (d->empty() || at >= hi) {
            hi = mid;
            continue;
        }
        if (before(*d)) lo = at;
        else hi = at;
    }
    // Linear scan of the last stretch.
    uint64_t p = lo;
    while (p < size) {
        uint64_t at = 0;
        auto d = probe(fd, p, size, at);
        if (!d) return d.error();
        if (d->empty()) return size;
        if (!before(*d)) return at;
        auto n = next_line_start(fd, at + 1, size);
        if (!n) return n.error();
        p = *n;
    }
    return size;
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

Result<uint64_t> count_lines(const std::string& path) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    ::posix_fadvise(fd->get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    std::vector<char> buf(k_block_bytes);
    uint64_t lines = 0;
    for (;;) {
        ssize_t n = ::read(fd->get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return unavailable(fmt::format("cannot read {}: {}", path, errno_text(errno)));
        }
        if (n == 0) break;
        lines += static_cast<uint64_t>(std::count(buf.data(), buf.data() + n, '\n'));
    }
    return lines;
}

Result<DayEntries> read_range(const std::string& path, DayRange range, size_t keep) {
    auto fd = open_read(path);
    if (!fd) return fd.error();
    DayEntries out;
    std::deque<std::string> recent;
    auto take = [&](std::string_view line) {
        if (line.empty()) return;
        ++out.count;
        if (keep == 0) return;
        if (recent.size() == keep) recent.pop_front();
        recent.emplace_back(line);
    };
    auto rest = for_each_line(fd->get(), range.begin, range.end, take);
    if (!rest) return rest.error();
    take(*rest);
    for (const auto& line : recent)
        if (auto e = parse_line(line)) out.recent.push_back(std::move(*e));
    return out;
}

} // namespace qops::audit
