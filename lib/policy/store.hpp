#pragma once
// The policy store in Redis: the fenced, atomic replace of quantum:policy:current, the
// audit stream entry, the cross-host refresh lock and the fail-closed load.

#include "crypto/note.hpp"
#include "policy/document.hpp"
#include "redis/client.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace qops::policy {

inline constexpr const char* k_policy_key = "quantum:policy:current";
inline constexpr const char* k_audit_stream = "quantum:stream:policy.audit";
inline constexpr const char* k_lock_key = "quantum:lock:policy-refresh";
inline constexpr int k_audit_maxlen = 1000;

enum class SaveOutcome {
    saved,
    lock_lost,    // the refresh lock no longer holds lock_token: nothing written
    newer_stored, // the stored policy_seq is not lower than sealed's: nothing written
};

// Replaces quantum:policy:current with sealed in one Lua script (DEL, HSET, EXPIREAT at
// valid_until) that runs only while the refresh lock holds lock_token and the stored
// policy_seq is lower than sealed's: a reader sees the old hash or the new one, never a
// mix or a part, and a writer that lost its lock writes nothing.
Result<SaveOutcome> save(redis::Client& redis, const Sealed& sealed, const std::string& lock_token);

// The seq of the next policy: above the stored one, and at least created_at_epoch, so
// that it keeps rising after the stored policy expired or Redis lost its data.
int64_t next_seq(int64_t stored, int64_t now_epoch);

// XADD quantum:stream:policy.audit MAXLEN ~ 1000 with the audit fields. Returns the entry id.
Result<std::string> publish_audit(redis::Client& redis, const Sealed& sealed);

// HGETALL of quantum:policy:current (empty map when missing).
Result<std::map<std::string, std::string>> read_fields(redis::Client& redis);

struct AuditAndReadBack {
    Result<std::string> audit_id;                      // the XADD's entry id or why it failed
    Result<std::map<std::string, std::string>> fields; // HGETALL after the save
};
// publish_audit and read_fields in one round trip (after a successful save).
AuditAndReadBack publish_audit_and_read_back(redis::Client& redis, const Sealed& sealed);

// What a fail-closed reader trusts and where it remembers what it accepted.
struct ReaderConfig {
    std::vector<crypto::VerifierKey> trusted; // never empty for a real reader
    std::string state_dir;                    // empty: keep no state (the refresher's read-back)
};

// The reader configuration: the verifier keys file (empty: $QUANTUM_POLICY_VERIFIER_KEYS,
// else /etc/quantum/policy-verifier-keys) and the state directory (empty:
// $QUANTUM_POLICY_STATE_DIR, else $STATE_DIRECTORY, else /var/lib/quantum).
// Errors (integrity): no keys configured (missing, unreadable, empty or bad file).
Result<ReaderConfig> reader_config(const std::string& verifier_keys_file, const std::string& state_dir);

// Fail-closed load: unavailable when Redis fails (or the state cannot be kept), integrity
// when missing, incomplete, tampered, unsigned, signed by no trusted key, out of bounds,
// expired, or older than (or conflicting with) what this reader accepted before.
// There is no fallback.
Result<Sealed> load(redis::Client& redis, int64_t now_epoch, const ReaderConfig& config);

// load's checks on fields already read.
Result<Sealed> accept(const std::map<std::string, std::string>& fields, int64_t now_epoch, const ReaderConfig& config);

// The refresh lock: SET NX PX with a random owner token, released only by its owner.
struct LockAttempt;

class RefreshLock {
public:
    static Result<LockAttempt> acquire(redis::Client& redis, std::chrono::milliseconds ttl);
    // Deletes the key only if it still holds our token. Returns false if it was lost.
    Result<bool> release(redis::Client& redis);
    const std::string& token() const noexcept { return m_token; }

private:
    explicit RefreshLock(std::string token) : m_token(std::move(token)) {}
    std::string m_token;
};

struct LockAttempt {
    std::optional<RefreshLock> lock; // empty: held by someone else
    std::string holder;              // the other owner's token when held
    long long holder_ttl_ms = -1;
};

// Builds the owner token "host:pid:random".
std::string make_lock_token();

} // namespace qops::policy
