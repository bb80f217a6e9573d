#include "commands/commands.hpp"

#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/policy_common.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "redis/client.hpp"

#include <fmt/format.h>
#include <iostream>

namespace qops::commands {
namespace {

using namespace policy;

struct ShowOptions {
    bool json = false;
    std::string verifier_keys; // empty: QUANTUM_POLICY_VERIFIER_KEYS or its default
    std::string state_dir;     // empty: QUANTUM_POLICY_STATE_DIR or its default
    std::string redis_url;
    std::chrono::milliseconds redis_timeout{2000};
};

ExitCode show(const ShowOptions& o, Metrics& metrics) {
    auto config = reader_config(o.verifier_keys, o.state_dir);
    if (!config) {
        log::event(log::Level::fail, ids::policy_rejected, {{"QUANTUM_EXIT_CODE", to_int(config.error().code)}},
                   "No valid policy: {}", config.error().message);
        return config.error().code;
    }
    auto redis = value_or_throw(redis::connect_url(o.redis_url, {o.redis_timeout, "policy-show"}));
    const int64_t now = now_epoch_seconds();
    auto sealed = load(redis, now, *config);
    if (!sealed) {
        // Fail-closed: no fallback policy, ever.
        log::event(log::Level::fail, ids::policy_rejected, {{"QUANTUM_EXIT_CODE", to_int(sealed.error().code)}},
                   "No valid policy: {}", sealed.error().message);
        return sealed.error().code;
    }
    add_policy_gauges(metrics, *sealed);
    const auto& s = *sealed;
    if (o.json) {
        std::cout << s.policy_json << "\n";
    } else {
        std::string universe;
        for (const auto& sym : s.doc.universe)
            universe += (universe.empty() ? "" : " ") + sym;
        std::cout << fmt::format("policy_version:  {}\n"
                                 "policy_seq:      {}\n"
                                 "policy_hash:     {}\n"
                                 "created_at:      {} UTC ({})\n"
                                 "valid_until:     {} UTC ({}, in {} min)\n"
                                 "generator:       {}\n"
                                 "exit_owner:      {}\n"
                                 "leverage_range:  {}\n"
                                 "universe ({}):   {}\n",
                                 text::escape(s.doc.policy_version), s.policy_seq, s.policy_hash,
                                 human_utc(s.created_at_epoch), s.created_at_epoch, human_utc(s.valid_until_epoch),
                                 s.valid_until_epoch, (s.valid_until_epoch - now) / 60, text::escape(s.doc.generator),
                                 text::escape(s.doc.exit_owner), s.leverage_range(), s.doc.universe.size(), universe);
    }
    const log::Fields figures{{"QUANTUM_POLICY_VERSION", s.doc.policy_version},
                              {"QUANTUM_POLICY_SEQ", s.policy_seq},
                              {"QUANTUM_POLICY_HASH", s.policy_hash},
                              {"QUANTUM_POLICY_VALID_UNTIL", s.valid_until_epoch}};
    if (s.valid_until_epoch <= now + k_freshness_margin_seconds)
        log::event(log::Level::warn, ids::policy_near_expiry, figures,
                   "Policy expires in {} s, within the {} s freshness margin: is policy-refresh running?",
                   s.valid_until_epoch - now, k_freshness_margin_seconds);
    else
        log::event(log::Level::ok, ids::policy_valid, figures, "Policy valid: version={} hash={}", s.doc.policy_version,
                   s.policy_hash.substr(0, 8));
    return ExitCode::ok;
}

constexpr const char* k_footer = R"(
Prints quantum:policy:current after checking it, fail-closed: every field present, the
stored policy_hash equal to the SHA-256 of policy_json, the fields agreeing with the
document, valid_until_epoch in the future, created_at_epoch at most 60 s ahead, at most
31 days of validity, policy_note signed by a key of the verifier keys file and naming
this policy_seq and hash, and policy_seq not lower than the highest accepted before on
this host (the same seq with another hash neither). Anything else exits 4 with the
reason; there is no fallback policy. --json prints the stored canonical document.

Environment:
  QUANTUM_POLICY_VERIFIER_KEYS  file of trusted verifier keys, one a line
                                (default /etc/quantum/policy-verifier-keys; none = exit 4)
  QUANTUM_POLICY_STATE_DIR      where the highest accepted seq is kept
                                (default $STATE_DIRECTORY, else /var/lib/quantum)
)";

} // namespace

int policy_show_main(int argc, char** argv) {
    const ToolInfo info{"policy-show", "POLICY-SHOW", "Show the current trading policy, fail-closed."};
    std::string metrics_dir;
    ShowOptions options;
    std::string redis_flag;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_redis_env_help + "\n" + k_exit_codes_help);
    app->add_flag("--json", options.json, "Print the stored policy document (canonical JSON)");
    app->add_option("--redis", redis_flag, k_redis_flag_help);
    app->add_option("--verifier-keys", options.verifier_keys,
                    "Trusted verifier keys file [env: QUANTUM_POLICY_VERIFIER_KEYS]");
    app->add_option("--state-dir", options.state_dir,
                    "Where the highest accepted seq is kept [env: QUANTUM_POLICY_STATE_DIR]");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        options.redis_url = redis::url_from_env_or(redis_flag);
        options.redis_timeout = redis::timeout_from_env();
        return show(options, metrics);
    });
}

} // namespace qops::commands
