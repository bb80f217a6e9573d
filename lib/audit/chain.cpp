#include "audit/log.hpp"

#include "base/atomic_file.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/file_lock.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "crypto/hmac.hpp"
#include "crypto/sha256.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fmt/format.h>

// The hash chain: appends and verification.
namespace qops::audit {
namespace {

constexpr size_t k_tail_window_bytes = 1u << 20; // how far back append looks for the last chain value

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

std::string head_path(const std::string& path) {
    return path + ".head";
}

} // namespace

std::string chain_value(std::string_view key, std::string_view prev, std::string_view text) {
    std::string data;
    data.reserve(prev.size() + text.size());
    data.append(prev);
    data.append(text);
    return key.empty() ? crypto::sha256_hex(data) : crypto::hmac_sha256_hex(key, data);
}

Result<std::string> load_key() {
    auto from = [](const std::string& p) -> Result<std::string> {
        auto k = read_file(p, 4096);
        if (!k) return with_context(Result<std::string>(k.error()), "cannot read the audit key");
        std::string key = *k;
        while (!key.empty() && (key.back() == '\n' || key.back() == '\r'))
            key.pop_back();
        return key;
    };
    const std::string file = env_or("QT_AUDIT_KEY_FILE", "");
    if (!file.empty()) return from(file);
    if (auto cred = credential_path("audit-key")) return from(*cred);
    return std::string();
}

Result<std::vector<std::string>> append(const std::string& path, const std::vector<std::string>& messages,
                                        const std::string& key, bool sync) {
    for (const auto& m : messages)
        if (m.size() > k_max_message_bytes)
            return usage_error(fmt::format("message longer than {} bytes", k_max_message_bytes));
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) return unavailable(fmt::format("cannot open {}: {}", path, errno_text(errno)), ErrorKind::io);
    std::vector<std::string> written;
    for (const auto& message : messages) {
        // Everything below happens under the lock: the last chain value, the write, the head.
        auto lock = FileLock::acquire(path + ".lock");
        if (!lock) return lock.error();
        auto prev = last_chain(fd.get());
        if (!prev) return prev.error();
        const uint64_t size = file_size(fd.get());
        std::string torn_fix;
        if (size > 0) {
            char last = '\n';
            if (auto n = pread_all(fd.get(), &last, 1, size - 1); !n) return n.error();
            if (last != '\n') torn_fix = "\n"; // a torn line stays visible to verify, on its own
        }
        const std::string text = fmt::format("[{}] {}", iso8601_utc_micros(now_epoch_micros()), text::escape(message));
        const std::string chain = chain_value(key, *prev, text);
        const std::string line = fmt::format("{}{}\t#{}\n", torn_fix, text, chain);
        ssize_t w = ::write(fd.get(), line.data(), line.size());
        if (w != static_cast<ssize_t>(line.size())) {
            const int err = w < 0 ? errno : ENOSPC;
            // Take a partial line (disk full) back out so the log stays whole; if even that
            // fails, verify will name the cut-off line.
            const bool cut_back = w <= 0 || ::ftruncate(fd.get(), static_cast<off_t>(size)) == 0;
            return unavailable(fmt::format("cannot write {}: {}{}", path, errno_text(err),
                                           cut_back ? "" : " (a partial line is left; verify names it)"),
                               ErrorKind::io);
        }
        if (sync && ::fdatasync(fd.get()) != 0)
            return unavailable(fmt::format("cannot sync {}: {}", path, errno_text(errno)));
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
            if (rep.chained > 0)
                return fail("an unchained line after chained entries (inserted, or its chain value removed)");
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

} // namespace qops::audit
