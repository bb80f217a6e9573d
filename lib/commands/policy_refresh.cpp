#include "commands/commands.hpp"

#include "base/file.hpp"
#include "base/process.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/policy_common.hpp"
#include "crypto/ed25519.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "redis/client.hpp"

#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace qops::commands {
namespace {

using namespace policy;
using log::Fields;
using log::Level;

constexpr std::chrono::seconds k_default_generator_timeout{30};
constexpr const char* k_signing_key_env = "QUANTUM_POLICY_SIGNING_KEY_FILE";
constexpr const char* k_signing_key_credential = "policy-signing-key";

struct RefreshOptions {
    std::string policy_file = "/etc/quantum/policy.json";
    std::string generator; // shell command line; when set, its stdout is the document
    std::chrono::milliseconds generator_timeout = k_default_generator_timeout;
    bool dry_run = false;      // validate and print the hash; no Redis, nothing written
    bool json = false;         // print the result as JSON on stdout
    bool verifier_key = false; // print the signing key's verifier key and exit
    std::string redis_url;     // resolved URL text
    std::chrono::milliseconds redis_timeout{2000};
};

// The lock outlives the longest legitimate run: generator plus Redis round trips.
std::chrono::milliseconds lock_ttl(const RefreshOptions& o) {
    return o.generator_timeout + 6 * o.redis_timeout + std::chrono::seconds(10);
}

std::string generator_name(const std::string& command) {
    std::string first = command.substr(0, command.find_first_of(" \t"));
    auto slash = first.rfind('/');
    if (slash != std::string::npos) first = first.substr(slash + 1);
    auto dot = first.rfind('.');
    if (dot != std::string::npos && dot > 0) first = first.substr(0, dot);
    return first.empty() ? "generator" : first;
}

// Obtains the document text from the generator or the file. Errors: usage (exit 2).
Result<std::string> obtain_document(const RefreshOptions& o) {
    if (o.generator.empty()) {
        auto text = read_file(o.policy_file, k_max_document_bytes);
        if (!text) return usage_error(fmt::format("cannot load policy: {}", text.error().message));
        return text;
    }
    ProcessOptions po;
    po.timeout = o.generator_timeout;
    po.max_output = k_max_document_bytes;
    auto r = run_shell(o.generator, po);
    if (!r) return usage_error(fmt::format("cannot run generator: {}", r.error().message));
    if (r->timed_out)
        return usage_error(
            fmt::format("generator did not finish within {} ms and was killed", o.generator_timeout.count()));
    if (r->output_truncated)
        return usage_error(fmt::format("generator printed more than {} bytes", k_max_document_bytes));
    if (r->term_signal != 0) return usage_error(fmt::format("generator was killed by signal {}", r->term_signal));
    if (r->exit_status != 0) return usage_error(fmt::format("generator exited with status {}", r->exit_status));
    return std::move(r->out);
}

crypto::SigningKey load_signing_key() {
    return value_or_throw(crypto::SigningKey::load_from_env_or_credential(k_signing_key_env, k_signing_key_credential));
}

ExitCode refresh(const RefreshOptions& o, Metrics& metrics) {
    const std::string source = o.generator.empty() ? o.policy_file : o.generator;
    if (o.verifier_key) {
        std::cout << policy_verifier_key(load_signing_key()).text() << "\n";
        return ExitCode::ok;
    }
    if (o.dry_run) {
        auto text = obtain_document(o);
        if (!text) throw Failure(text.error());
        auto doc = value_or_throw(parse_document(*text));
        Sealed s = seal(std::move(doc), now_epoch_seconds(),
                        o.generator.empty() ? "policy-refresh" : generator_name(o.generator));
        log::ok("Policy valid (dry run, nothing written): version={} hash={} universe={} leverage={}",
                s.doc.policy_version, s.policy_hash.substr(0, 8), s.doc.universe.size(), s.leverage_range());
        if (o.json)
            std::cout << nlohmann::json{{"policy_version", s.doc.policy_version},
                                        {"policy_hash", s.policy_hash},
                                        {"policy_json", s.policy_json},
                                        {"dry_run", true}}
                             .dump()
                      << "\n";
        else
            std::cout << s.policy_hash << "\n";
        return ExitCode::ok;
    }

    // The key first: without one nothing can be stored, so say so before touching Redis.
    const crypto::SigningKey key = load_signing_key();
    const crypto::VerifierKey own_key = policy_verifier_key(key);
    auto redis = value_or_throw(redis::connect_url(o.redis_url, {o.redis_timeout, "policy-refresh"}));
    auto attempt = value_or_throw(RefreshLock::acquire(redis, lock_ttl(o)));
    if (!attempt.lock) {
        log::event(Level::info, ids::policy_lock_held, {{"QUANTUM_LOCK_TTL_MS", attempt.holder_ttl_ms}},
                   "Another refresh holds {} (owner {}, {} ms left), skipping", k_lock_key,
                   attempt.holder.empty() ? "unknown" : attempt.holder, attempt.holder_ttl_ms);
        metrics.gauge("quantum_policy_refresh_skipped", "1 when the last run found the refresh lock held.", 1);
        return ExitCode::ok;
    }
    RefreshLock lock = std::move(*attempt.lock);
    // Released on every path below, including failures.
    struct Releaser {
        redis::Client& r;
        RefreshLock& l;
        // A failure to log must not escape a destructor (it may run while a Failure unwinds).
        ~Releaser() {
            try {
                auto released = l.release(r);
                if (released && !*released) log::warn("refresh lock expired before release, ignoring");
            } catch (...) { // NOLINT(bugprone-empty-catch): nothing more can be done here
            }
        }
    } releaser{redis, lock};

    if (o.generator.empty())
        log::info("Loading policy from {}...", source);
    else
        log::info("Generating fresh policy with '{}'...", source);
    auto text = obtain_document(o);
    if (!text) throw Failure(text.error());
    auto doc = parse_document(*text);
    if (!doc) throw Failure(doc.error());
    log::ok("Policy {} successfully", o.generator.empty() ? "loaded" : "generated");

    // The seq rises above the stored one; the save script checks it again atomically. Only
    // a stored policy signed by a key we trust counts: a policy_seq planted by someone with
    // write access to Redis must not be signed into a seq the readers will hold us to.
    const int64_t created_at = now_epoch_seconds();
    std::vector<crypto::VerifierKey> trusted{own_key};
    if (auto listed = reader_config("", ""))
        trusted.insert(trusted.end(), listed->trusted.begin(), listed->trusted.end());
    const auto current = accept(value_or_throw(read_fields(redis)), created_at, ReaderConfig{trusted, {}});
    const int64_t seq = next_seq(current ? current->policy_seq : 0, created_at);
    Sealed sealed =
        seal(std::move(*doc), created_at, o.generator.empty() ? "policy-refresh" : generator_name(o.generator), seq);
    sign(sealed, key);
    switch (value_or_throw(save(redis, sealed, lock.token()))) {
    case SaveOutcome::saved:
        break;
    case SaveOutcome::lock_lost:
        log::event(Level::warn, ids::policy_not_written, {{"QUANTUM_POLICY_SEQ", seq}, {"QUANTUM_REASON", "lock_lost"}},
                   "Refresh lock {} was lost before the save (run stalled past its TTL?): nothing written, "
                   "the stored policy stays",
                   k_lock_key);
        return ExitCode::reported;
    case SaveOutcome::newer_stored:
        log::event(Level::warn, ids::policy_not_written,
                   {{"QUANTUM_POLICY_SEQ", seq}, {"QUANTUM_REASON", "newer_stored"}},
                   "A policy with policy_seq >= {} is already stored: nothing written, the newer policy stays", seq);
        return ExitCode::reported;
    }

    // Fail-open: the audit trail never fails or undoes the save. The read-back rides in
    // the same round trip.
    auto [audit, read_back] = publish_audit_and_read_back(redis, sealed);
    if (!audit)
        log::event(Level::warn, ids::policy_audit_failed, {{"QUANTUM_POLICY_SEQ", sealed.policy_seq}},
                   "Audit entry not written to {}: {}, policy saved anyway", k_audit_stream, audit.error().message);

    log::info("Validating policy in Redis...");
    auto fields = value_or_throw(std::move(read_back));
    const int64_t now = now_epoch_seconds();
    // Checked as a reader would, trusting only our own key (readers trust their key file).
    auto stored = accept(fields, now, ReaderConfig{{own_key}, {}});
    if (!stored) {
        log::event(Level::fail, ids::policy_check_failed, {{"QUANTUM_POLICY_SEQ", sealed.policy_seq}},
                   "Policy validation failed: {}", stored.error().message);
        return ExitCode::integrity;
    }
    if (stored->policy_hash != sealed.policy_hash) {
        log::event(Level::fail, ids::policy_check_failed, {{"QUANTUM_POLICY_SEQ", sealed.policy_seq}},
                   "Policy in Redis is not the one just written (hash {} instead of {})",
                   stored->policy_hash.substr(0, 8), sealed.policy_hash.substr(0, 8));
        return ExitCode::integrity;
    }
    add_policy_gauges(metrics, *stored);
    const int64_t valid_for = stored->valid_until_epoch - now;
    log::ok("Policy validated: version={} hash={} seq={} signed by {}+{:08x} valid_for={}min",
            stored->doc.policy_version, stored->policy_hash.substr(0, 8), stored->policy_seq, own_key.name, own_key.id,
            valid_for / 60);
    const Fields figures{{"QUANTUM_POLICY_VERSION", stored->doc.policy_version},
                         {"QUANTUM_POLICY_SEQ", stored->policy_seq},
                         {"QUANTUM_POLICY_HASH", stored->policy_hash},
                         {"QUANTUM_POLICY_VALID_UNTIL", stored->valid_until_epoch},
                         {"QUANTUM_POLICY_SIGNER", own_key.name}};
    if (stored->valid_until_epoch <= now + k_freshness_margin_seconds) {
        log::event(Level::fail, ids::policy_check_failed, figures,
                   "Policy expires within the {} s freshness margin (valid_until={})", k_freshness_margin_seconds,
                   stored->valid_until_epoch);
        return ExitCode::reported;
    }
    log::ok("Policy universe: {} symbols", stored->doc.universe.size());
    log::event(Level::ok, ids::policy_stored, figures, "Policy refresh completed successfully");
    log::info("Valid until: {} UTC", human_utc(stored->valid_until_epoch));
    if (o.json)
        std::cout << nlohmann::json{{"policy_version", stored->doc.policy_version},
                                    {"policy_hash", stored->policy_hash},
                                    {"policy_seq", stored->policy_seq},
                                    {"verifier_key", own_key.text()},
                                    {"valid_until_epoch", stored->valid_until_epoch},
                                    {"created_at_epoch", stored->created_at_epoch},
                                    {"universe_count", stored->doc.universe.size()},
                                    {"leverage_range", stored->leverage_range()},
                                    {"audit_id", audit ? nlohmann::json(*audit) : nlohmann::json(nullptr)}}
                         .dump()
                  << "\n";
    return ExitCode::ok;
}

constexpr const char* k_footer = R"(
Reads the policy document from --policy FILE (default /etc/quantum/policy.json) or from
the stdout of --generator 'CMD ARGS' (run by /bin/sh, killed after --generator-timeout),
validates every field, gives it the next policy_seq, signs it (a C2SP signed note of
"quantum-ops/policy\n<seq>\n<hash>\n" with the Ed25519 key), and replaces
quantum:policy:current with the canonical JSON, its SHA-256, the seq, the note and an
expiry at valid_until_epoch, in one server-side script that writes only while this run
still holds the refresh lock and the stored seq is lower (otherwise WARN, exit 1, nothing
written). Each save adds an entry to quantum:stream:policy.audit (MAXLEN ~ 1000); an audit
failure is only a WARN. Only one refresh runs at a time across hosts (lock
quantum:lock:policy-refresh); a run that finds it held logs INFO and exits 0.
--verifier-key prints the key line readers list in QUANTUM_POLICY_VERIFIER_KEYS.

Environment:
  QUANTUM_POLICY_SIGNING_KEY_FILE  Ed25519 private key (PKCS#8 PEM, mode 0600; make one with
                                   openssl genpkey -algorithm ed25519); else the systemd
                                   credential policy-signing-key. Required (exit 2 without).
)";

} // namespace

int policy_refresh_main(int argc, char** argv) {
    const ToolInfo info{"policy-refresh", "POLICY-REFRESH",
                        "Validate the trading policy and store it atomically in Redis."};
    std::string metrics_dir;
    RefreshOptions options;
    std::string redis_flag;
    double generator_timeout_s = static_cast<double>(k_default_generator_timeout.count());
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_redis_env_help + "\n" + k_exit_codes_help);
    auto* policy = app->add_option("--policy", options.policy_file, "Policy document (JSON)")->capture_default_str();
    app->add_option("--generator", options.generator, "Shell command whose stdout is the policy document")
        ->excludes(policy);
    app->add_option("--generator-timeout", generator_timeout_s, "Seconds before the generator is killed")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    app->add_flag("--dry-run", options.dry_run, "Validate and print the hash; write nothing, no Redis");
    app->add_flag("--json", options.json, "Print the result as JSON on stdout");
    app->add_flag("--verifier-key", options.verifier_key,
                  "Print the signing key's verifier key (for QUANTUM_POLICY_VERIFIER_KEYS) and exit");
    app->add_option("--redis", redis_flag, k_redis_flag_help);
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        options.generator_timeout = std::chrono::milliseconds(static_cast<long long>(generator_timeout_s * 1000));
        options.redis_url = redis::url_from_env_or(redis_flag);
        options.redis_timeout = redis::timeout_from_env();
        return refresh(options, metrics);
    });
}

} // namespace qops::commands
