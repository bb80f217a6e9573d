#pragma once
// The tamper-evident audit log (CONTRACT.md, "Audit log"). One entry per line:
//   [2025-12-17T17:39:46.725707Z] message<TAB>#<64 hex>
// The hex is the chain value: HMAC-SHA256(key, previous chain value || text before the
// TAB), or SHA-256 of the same without a key; the first previous value is 64 zeros.
// Lines without the suffix are the original system's (legacy, unchained) entries.
// Beside the log, <log>.head records the number of chained entries and the last chain
// value, so that a removed tail is detected too.

#include "base/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qops::audit {

inline constexpr const char* k_zero_chain = "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr size_t k_max_message_bytes = 64 * 1024;

struct Entry {
    std::string text;                 // "[timestamp] escaped message" (what is chained)
    std::string timestamp;            // "2025-12-17T17:39:46.725707Z"
    std::string message;              // unescaped
    std::optional<std::string> chain; // the 64-hex chain value; empty for legacy lines
};

// Parses one line (without its newline). nullopt when it is not an entry at all.
std::optional<Entry> parse_line(std::string_view line);

// The chain value of text after prev.
std::string chain_value(std::string_view key, std::string_view prev, std::string_view text);

// The key: $QT_AUDIT_KEY_FILE, else $CREDENTIALS_DIRECTORY/audit-key, else none (empty).
Result<std::string> load_key();

// The log file: flag, else $QT_AUDIT_LOG, else /var/log/quantum/audit.log; when that
// directory is not writable, $XDG_STATE_HOME/quantum/audit.log or
// ~/.local/state/quantum/audit.log (fell_back tells).
struct LogLocation {
    std::string path;
    bool fell_back = false;
    std::string primary;
};
LogLocation resolve_log(const std::string& flag_value);

// Appends each message as one entry, each under its own exclusive lock (so entries of
// concurrent writers interleave whole and chained). Returns the lines written.
// Errors: unavailable (cannot open/lock/write: nothing half-written), usage (too long).
Result<std::vector<std::string>> append(const std::string& path, const std::vector<std::string>& messages,
                                        const std::string& key, bool sync = true);

struct VerifyReport {
    uint64_t lines = 0;
    uint64_t legacy = 0;
    uint64_t chained = 0;
    bool ok = true;
    uint64_t bad_line = 0; // first bad line number (1-based) when !ok
    std::string problem;   // what is wrong there
    bool head_checked = false;
};

// Walks the whole log checking the chain and the head record. Errors: unavailable.
Result<VerifyReport> verify(const std::string& path, const std::string& key);

// Counts the entries (lines starting with '[') of the whole file, in large blocks. The
// entries of one day: audit/day.hpp.
Result<uint64_t> count_lines(const std::string& path);

} // namespace qops::audit
