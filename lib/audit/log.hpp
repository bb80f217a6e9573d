#pragma once
// The tamper-evident audit log (CONTRACT.md, "Audit log"). One entry per line:
//   [2025-12-17T17:39:46.725707Z] message<TAB>#<64 hex>
// The hex is the chain value: SHA-256(previous chain value || text before the TAB) (the
// first edition's HMAC-SHA256 with a key is still read); the first previous is 64 zeros.
// Lines without the suffix are the original system's (legacy, unchained) entries.
// The chain names the line an edit, deletion or reordering broke; what authenticates the
// log is its signed checkpoint (CONTRACT.md, "Audit log and ledger: checkpoints"): after
// every append <log>.checkpoint holds a C2SP tlog-checkpoint note whose RFC 6962 tree
// has each line of the file, as stored, as a leaf.

#include "base/error.hpp"
#include "crypto/checkpoint_check.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/merkle.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qops::audit {

inline constexpr const char* k_zero_chain = "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr size_t k_max_message_bytes = 64 * 1024;
// The longest line an entry can be: an escaped message grows at most 4x (\xHH); the
// stamp, TAB and chain add < 128 bytes.
inline constexpr uint64_t k_max_line_bytes = 4 * k_max_message_bytes + 128;

struct Entry {
    std::string text;                 // "[timestamp] escaped message" (what is chained)
    std::string timestamp;            // "2025-12-17T17:39:46.725707Z"
    std::string message;              // unescaped
    std::optional<std::string> chain; // the 64-hex chain value; empty for legacy lines
};

// Parses one line (without its newline). nullopt when it is not an entry at all.
std::optional<Entry> parse_line(std::string_view line);

// The same check without copies (verify's walk): the chained text and the chain value.
struct LineView {
    std::string_view text;
    std::optional<std::string_view> chain;
};
std::optional<LineView> view_line(std::string_view line);

// The chain value of text after prev.
std::string chain_value(std::string_view key, std::string_view prev, std::string_view text);

// The first edition's HMAC key, read only to verify entries chained with it:
// $QT_AUDIT_KEY_FILE, else $CREDENTIALS_DIRECTORY/audit-key, else none (empty).
Result<std::string> load_legacy_key();

// The checkpoint signing key: $QUANTUM_AUDIT_SIGNING_KEY_FILE, else the credential
// audit-signing-key; nullopt when neither is set. Errors (usage, naming the file).
Result<std::optional<crypto::SigningKey>> load_signing_key();

// The checkpoint origin (and key name): $QUANTUM_CHECKPOINT_ORIGIN, else
// <hostname>/quantum-ops/audit.
std::string default_origin();

// The log file: flag, else $QT_AUDIT_LOG, else /var/log/quantum/audit.log; when that
// directory is not writable, $XDG_STATE_HOME/quantum/audit.log or
// ~/.local/state/quantum/audit.log (fell_back tells).
struct LogLocation {
    std::string path;
    bool fell_back = false;
    std::string primary;
};
LogLocation resolve_log(const std::string& flag_value);

// The files beside a log: the latest checkpoint note and the tree state.
std::string checkpoint_path(const std::string& log);
std::string tree_path(const std::string& log);

// The tree state <log>.tree, one line, written under the append lock:
//   <bytes> <legacy> <last chain value> <tree size> <frontier hashes, hex, largest first>
// bytes: the log's size it describes; legacy: the unchained entries at the log's start.
struct TreeState {
    uint64_t bytes = 0;
    uint64_t legacy = 0;
    std::string chain = k_zero_chain;
    crypto::Frontier frontier;

    std::string serialize() const;
    static Result<TreeState> parse(std::string_view text);
};

// Rotation. The rotated file keeps the name it was given (<log>-YYYYMMDD-<epoch> by
// `audit-log rotate`; logrotate's dateext names the same way) and <log>.segments gets a
// line "<file name> <its tree state at its end>", oldest first. The log goes on in a new
// file with the same tree and chain: its checkpoints cover every file, and verify, stats
// and audit-summary read them as one log. A rotated file may be removed later
// (retention, oldest first): verify then starts from the state recorded for it. A file
// renamed by logrotate is recognised by its size and last chain value and recorded by
// the next append or `audit-log rotate --renamed`.
std::string segments_path(const std::string& log);

struct Segment {
    std::string path; // in the log's directory
    TreeState end;    // the tree state after its last line
};

// The rotated files recorded for the log, oldest first (none: never rotated).
// Errors: unavailable (unreadable), integrity (garbled).
Result<std::vector<Segment>> read_segments(const std::string& log);

// The log's files, oldest first: the rotated files still present, then the log itself
// when it exists. Errors: as read_segments.
Result<std::vector<std::string>> log_files(const std::string& log);

struct AppendOptions {
    bool sync = true;                        // fdatasync the log before its checkpoint
    const crypto::SigningKey* key = nullptr; // null: the checkpoint is unsigned
    std::string origin;                      // empty: default_origin()
};

struct Appended {
    std::vector<std::string> lines; // as written
    std::string checkpoint;         // the note stored after them
    uint64_t size = 0;              // the tree size it names
    uint64_t recovered = 0;         // a line an interrupted writer left, taken into the tree
};

// Appends the messages as entries under one exclusive lock (concurrent writers'
// batches interleave whole), then replaces the tree state and <log>.checkpoint; O(log n)
// in the log's size. Errors: usage (too long), integrity (the tree state does not match
// the log: run rescan after verifying), unavailable (cannot open, lock or write;
// nothing half-written).
Result<Appended> append(const std::string& path, const std::vector<std::string>& messages,
                        const AppendOptions& options);

struct Rescanned {
    uint64_t size = 0;
    uint64_t adopted = 0; // entries beyond the stored checkpoint now in the tree
    std::string checkpoint;
};

// Rebuilds the tree state from the whole log (the migration of a first-edition log, or
// after an interrupted writer): refused (integrity) when a line is bad or the log is not
// consistent with its stored checkpoint; then stores a fresh checkpoint and removes the
// first edition's <log>.head.
Result<Rescanned> rescan(const std::string& path, const AppendOptions& options, const std::string& legacy_key);

struct Rotated {
    std::string path;     // the rotated file; empty: nothing was rotated (empty log)
    uint64_t lines = 0;   // its lines
    bool renamed = false; // renamed by someone else (logrotate) and only recorded here
};

// Under the append lock: records a rotation done by renaming the log (logrotate), else,
// unless renamed_only, renames a non-empty log to <log>-YYYYMMDD-<epoch> (UTC) and starts
// an empty one. Errors: integrity (the tree state does not match the log), unavailable
// (also: the last entry was left by an interrupted append, which the next append signs).
Result<Rotated> rotate(const std::string& path, bool renamed_only);

struct VerifyOptions {
    std::vector<crypto::VerifierKey> keys;            // empty: signatures not checked
    std::vector<crypto::CheckpointInput> checkpoints; // given with --checkpoint
    std::string state_dir;                            // the accepted checkpoint; empty: none
    std::string legacy_key;                           // the first edition's HMAC key
};

struct VerifyReport {
    uint64_t lines = 0;
    uint64_t legacy = 0;
    uint64_t chained = 0;
    bool authenticated = false;     // verifier keys were given
    bool stored_checkpoint = false; // <log>.checkpoint was there
    uint64_t unchecked_tail = 0;    // lines past every checkpoint (no stored one: an auditor's copy)
    uint64_t expired = 0;           // entries of rotated files removed by retention (not checked)
    std::vector<std::string> files; // the files read, oldest first
    std::vector<crypto::Problem> problems;
    std::vector<crypto::CheckedCheckpoint> checkpoints;
    std::optional<crypto::CheckpointBody> largest; // the largest consistent authenticated one
    bool ok() const noexcept { return problems.empty(); }
};

// Walks the whole log: every line's form and chain, legacy lines only at the start, and
// every checkpoint (given, stored, accepted before) signed and consistent. Lines
// appended while it runs are not looked at. Errors: unavailable (cannot read), usage.
Result<VerifyReport> verify(const std::string& path, const VerifyOptions& options);

// Counts the entries (lines starting with '[') of the whole file, in large blocks. The
// entries of one day: audit/day.hpp.
Result<uint64_t> count_lines(const std::string& path);

} // namespace qops::audit
