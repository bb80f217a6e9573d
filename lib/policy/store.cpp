#include "policy/store.hpp"

#include "crypto/hex.hpp"
#include "policy/accepted.hpp"

#include "base/env.hpp"
#include "base/host.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <fmt/format.h>

namespace qops::policy {
namespace {

constexpr const char* k_release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

// KEYS: policy hash, lock. ARGV: lock token, policy_seq, valid_until, field, value, ...
// Fencing: the token compare and the seq compare happen in the same atomic step as the
// replace, so a run that stalled past its lock (SIGSTOP, VM pause) cannot overwrite the
// newer policy. The stored seq is read with HGETALL: the ACL grants policy-refresh no HGET.
constexpr const char* k_save_script = R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local stored = redis.call('HGETALL', KEYS[1])
for i = 1, #stored, 2 do
  if stored[i] == 'policy_seq' and (tonumber(stored[i + 1]) or 0) >= tonumber(ARGV[2]) then return -1 end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return 1
)lua";

} // namespace

Result<SaveOutcome> save(redis::Client& redis, const Sealed& sealed, const std::string& lock_token) {
    std::vector<std::string> cmd{"EVAL",
                                 k_save_script,
                                 "2",
                                 k_policy_key,
                                 k_lock_key,
                                 lock_token,
                                 std::to_string(sealed.policy_seq),
                                 std::to_string(sealed.valid_until_epoch)};
    for (const auto& [k, v] : sealed.hash_fields()) {
        cmd.push_back(k);
        cmd.push_back(v);
    }
    auto r = redis.command(cmd);
    if (!r) return with_context(Result<SaveOutcome>(r.error()), "policy save");
    if (!r->is_integer()) return unavailable("policy save: unexpected reply from the save script");
    switch (r->integer()) {
    case 1:
        return SaveOutcome::saved;
    case 0:
        return SaveOutcome::lock_lost;
    default:
        return SaveOutcome::newer_stored;
    }
}

int64_t next_seq(int64_t stored, int64_t now_epoch) {
    return std::max(stored + 1, now_epoch);
}

namespace {

std::vector<std::string> audit_command(const Sealed& sealed) {
    const auto f = sealed.hash_fields();
    std::vector<std::string> cmd{"XADD", k_audit_stream, "MAXLEN", "~", std::to_string(k_audit_maxlen), "*"};
    for (const char* key : {"policy_version", "policy_hash", "valid_until_epoch", "created_at_epoch", "generator",
                            "universe_count", "leverage_range"}) {
        cmd.emplace_back(key);
        cmd.push_back(f.at(key));
    }
    return cmd;
}

std::map<std::string, std::string> fields_of(const redis::Reply& r) {
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < r.size(); i += 2)
        out.emplace(std::string(r.element(i).str()), std::string(r.element(i + 1).str()));
    return out;
}

} // namespace

Result<std::string> publish_audit(redis::Client& redis, const Sealed& sealed) {
    auto r = redis.command(audit_command(sealed));
    if (!r) return r.error();
    return std::string(r->str());
}

Result<std::map<std::string, std::string>> read_fields(redis::Client& redis) {
    auto r = redis.command({"HGETALL", k_policy_key});
    if (!r) return r.error();
    return fields_of(*r);
}

AuditAndReadBack publish_audit_and_read_back(redis::Client& redis, const Sealed& sealed) {
    // Two calls, not a pipeline: a refused audit XADD (say, a NOPERM) must not hide the read-back.
    return {publish_audit(redis, sealed), read_fields(redis)};
}

Result<ReaderConfig> reader_config(const std::string& verifier_keys_file, const std::string& state_dir) {
    ReaderConfig c;
    const std::string keys_path = verifier_keys_file.empty()
                                      ? env_or("QUANTUM_POLICY_VERIFIER_KEYS", "/etc/quantum/policy-verifier-keys")
                                      : verifier_keys_file;
    // Fail-closed: a reader that cannot tell which keys to trust trusts nothing.
    auto keys = crypto::load_verifier_keys(keys_path);
    if (!keys)
        return integrity_error(
            fmt::format("no policy verifier keys configured (QUANTUM_POLICY_VERIFIER_KEYS): {}", keys.error().message));
    if (keys->empty())
        return integrity_error(fmt::format("no policy verifier keys configured: {} lists none", keys_path));
    c.trusted = std::move(*keys);
    c.state_dir =
        state_dir.empty() ? env_or("QUANTUM_POLICY_STATE_DIR", state_directory("/var/lib/quantum")) : state_dir;
    return c;
}

Result<Sealed> accept(const std::map<std::string, std::string>& fields, int64_t now_epoch, const ReaderConfig& config) {
    if (config.trusted.empty()) return integrity_error("no policy verifier keys configured");
    auto s = verify_signed(fields, now_epoch, config.trusted);
    if (!s) return s;
    if (!config.state_dir.empty())
        if (auto recorded = check_and_record(config.state_dir, s->policy_seq, s->policy_hash); !recorded)
            return recorded.error();
    return s;
}

Result<Sealed> load(redis::Client& redis, int64_t now_epoch, const ReaderConfig& config) {
    auto fields = read_fields(redis);
    if (!fields) return fields.error();
    return accept(*fields, now_epoch, config);
}

std::string make_lock_token() {
    // The token only has to be unique among lock holders; getrandom(2) avoids setting up
    // OpenSSL's DRBG for 8 bytes.
    unsigned char rnd[8];
    if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd))
        throw Failure(ExitCode::unavailable, fmt::format("getrandom: {}", errno_text(errno)));
    return fmt::format("{}:{}:{}", hostname(), ::getpid(), crypto::to_hex(rnd, sizeof rnd));
}

Result<LockAttempt> RefreshLock::acquire(redis::Client& redis, std::chrono::milliseconds ttl) {
    std::string token = make_lock_token();
    auto r = redis.command({"SET", k_lock_key, token, "NX", "PX", std::to_string(ttl.count())});
    if (!r) return r.error();
    LockAttempt a;
    if (r->is_string() && r->str() == "OK") {
        a.lock = RefreshLock(std::move(token));
        return a;
    }
    auto holder = redis.pipeline({{"GET", k_lock_key}, {"PTTL", k_lock_key}});
    if (holder && (*holder)[0].is_string()) a.holder = std::string((*holder)[0].str());
    if (holder && (*holder)[1].is_integer()) a.holder_ttl_ms = (*holder)[1].integer();
    return a;
}

Result<bool> RefreshLock::release(redis::Client& redis) {
    auto r = redis.command({"EVAL", k_release_script, "1", k_lock_key, m_token});
    if (!r) return r.error();
    return r->is_integer() && r->integer() == 1;
}

} // namespace qops::policy
