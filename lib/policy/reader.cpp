#include "policy/reader.hpp"

#include "base/env.hpp"
#include "base/time.hpp"
#include "policy/accepted.hpp"

#include <sys/stat.h>

#include "crypto/note.hpp"
#include "policy/store.hpp"
#include "redis/client.hpp"

#include <fmt/format.h>
#include <optional>
#include <tuple>

namespace quantum_ops {
namespace {

[[noreturn]] void raise(const qops::Error& e) {
    throw PolicyUnavailable(qops::to_int(e.code), e.message);
}

Policy to_policy(const qops::policy::Sealed& s) {
    Policy p;
    p.policy_version = s.doc.policy_version;
    p.universe = s.doc.universe;
    p.leverage_min = s.doc.leverage_min;
    p.leverage_max = s.doc.leverage_max;
    p.exit_owner = s.doc.exit_owner;
    p.generator = s.doc.generator;
    p.valid_for_seconds = s.doc.valid_for_seconds;
    p.created_at_epoch = s.created_at_epoch;
    p.valid_until_epoch = s.valid_until_epoch;
    p.policy_seq = s.policy_seq;
    p.policy_hash = s.policy_hash;
    p.policy_json = s.policy_json;
    return p;
}

} // namespace

struct PolicyReader::Impl {
    PolicyOptions options;
    std::optional<qops::redis::Client> redis;
    // The configuration as last read, and the identity of the keys file it came from.
    std::optional<qops::policy::ReaderConfig> config;
    std::tuple<dev_t, ino_t, int64_t, off_t> keys_file_id{};
    // The fields that last passed verify_signed, with their result. Services load the policy
    // before each decision and it changes every 30 min: re-checking the same bytes' signature
    // and JSON each time cost more than the Redis round trip (bench/RESULTS.md, policy).
    std::map<std::string, std::string> verified_fields;
    std::optional<qops::policy::Sealed> verified;

    Policy load() {
        refresh_config();
        auto fields = read(true);
        if (!fields) raise(fields.error());
        const int64_t now = qops::now_epoch_seconds();
        if (!verified || *fields != verified_fields) {
            verified.reset();
            auto s = qops::policy::verify_signed(*fields, now, config->trusted);
            if (!s) raise(s.error());
            verified = std::move(*s);
            verified_fields = std::move(*fields);
        } else if (auto times = qops::policy::check_times(*verified, now); !times) {
            raise(times.error());
        }
        // Every load, not only new ones: another reader on this host may have moved on.
        if (!config->state_dir.empty())
            if (auto r = qops::policy::check_and_record(config->state_dir, verified->policy_seq, verified->policy_hash);
                !r)
                raise(r.error());
        return to_policy(*verified);
    }

    // Re-reads the keys file whenever it changed, so that a key rotation needs no restart.
    void refresh_config() {
        const std::string path = options.verifier_keys.empty()
                                     ? qops::env_or("QUANTUM_POLICY_VERIFIER_KEYS", "/etc/quantum/policy-verifier-keys")
                                     : options.verifier_keys;
        struct stat st {};
        const bool stat_ok = ::stat(path.c_str(), &st) == 0;
        const auto id =
            std::make_tuple(st.st_dev, st.st_ino,
                            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, st.st_size);
        if (config && stat_ok && id == keys_file_id) return;
        config.reset();
        verified.reset();
        auto c = qops::policy::reader_config(path, options.state_dir);
        if (!c) raise(c.error());
        config = std::move(*c);
        keys_file_id = stat_ok ? id : decltype(id){};
    }

    // HGETALL over the kept connection; one reconnect when it has gone away.
    qops::Result<std::map<std::string, std::string>> read(bool retry) {
        if (!redis) {
            auto c = qops::redis::connect_url(qops::redis::url_from_env_or(options.redis_url),
                                              {qops::redis::timeout_from_env(), "policy-reader"});
            if (!c) return c.error();
            redis.emplace(std::move(*c));
        }
        auto f = qops::policy::read_fields(*redis);
        if (!f && f.error().kind != qops::ErrorKind::refused) {
            redis.reset();
            if (retry) return read(false);
        }
        return f;
    }
};

PolicyReader::PolicyReader(PolicyOptions options) : m_impl(std::make_unique<Impl>()) {
    m_impl->options = std::move(options);
}
PolicyReader::PolicyReader(PolicyReader&&) noexcept = default;
PolicyReader& PolicyReader::operator=(PolicyReader&&) noexcept = default;
PolicyReader::~PolicyReader() = default;

Policy PolicyReader::load() {
    return m_impl->load();
}

Policy load_policy(const PolicyOptions& options) {
    return PolicyReader(options).load();
}

} // namespace quantum_ops
