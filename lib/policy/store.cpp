#include "policy/store.hpp"

#include "crypto/hex.hpp"

#include "base/host.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <fmt/format.h>

namespace qops::policy {
namespace {

constexpr const char* k_release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

} // namespace

Result<void> save(redis::Client& redis, const Sealed& sealed) {
    std::vector<std::string> hset{"HSET", k_policy_key};
    for (const auto& [k, v] : sealed.hash_fields()) {
        hset.push_back(k);
        hset.push_back(v);
    }
    auto replies = redis.pipeline({{"MULTI"},
                                   {"DEL", k_policy_key},
                                   hset,
                                   {"EXPIREAT", k_policy_key, std::to_string(sealed.valid_until_epoch)},
                                   {"EXEC"}});
    if (!replies) return with_context(Result<void>(replies.error()), "policy save");
    const auto& exec = replies->back();
    if (!exec.is_array() || exec.size() != 3) return unavailable("policy save: transaction aborted");
    for (size_t i = 0; i < exec.size(); ++i)
        if (exec.element(i).is_error())
            return unavailable(fmt::format("policy save: Redis refused: {}", exec.element(i).str()),
                               ErrorKind::refused);
    return {};
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

Result<Sealed> load(redis::Client& redis, int64_t now_epoch) {
    auto fields = read_fields(redis);
    if (!fields) return fields.error();
    return verify_fields(*fields, now_epoch);
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
