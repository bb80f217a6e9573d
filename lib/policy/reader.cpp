#include "policy/reader.hpp"

#include "base/time.hpp"
#include "crypto/note.hpp"
#include "policy/store.hpp"
#include "redis/client.hpp"

#include <fmt/format.h>
#include <optional>

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

    Policy load() {
        // Re-read on every load, so that a key rotation needs no restart of the service.
        auto config = qops::policy::reader_config(options.verifier_keys, options.state_dir);
        if (!config) raise(config.error());
        auto fields = read(true);
        if (!fields) raise(fields.error());
        auto s = qops::policy::accept(*fields, qops::now_epoch_seconds(), *config);
        if (!s) raise(s.error());
        return to_policy(*s);
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
