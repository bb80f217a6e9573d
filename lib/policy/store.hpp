#pragma once
// The policy store in Redis: the atomic replace of quantum:policy:current, the audit
// stream entry, the cross-host refresh lock and the fail-closed load.

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

// Replaces quantum:policy:current with sealed in one MULTI/EXEC (DEL, HSET, EXPIREAT at
// valid_until): a reader sees the old hash or the new one, never a mix or a part.
Result<void> save(redis::Client& redis, const Sealed& sealed);

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

// Fail-closed load: unavailable when Redis fails, integrity when missing, incomplete,
// tampered or expired. There is no fallback.
Result<Sealed> load(redis::Client& redis, int64_t now_epoch);

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
