// policy-refresh: generate or load the trading policy, validate it and store it
// atomically in Redis with its SHA-256 hash and expiry.

#include "policy/jobs.hpp"
#include "redis/client.hpp"
#include "util/cli.hpp"

namespace {

constexpr const char* k_footer = R"(
Reads the policy document from --policy FILE (default /etc/quantum/policy.json) or from
the stdout of --generator 'CMD ARGS' (run by /bin/sh, killed after --generator-timeout),
validates every field, and replaces quantum:policy:current in one transaction with the
canonical JSON, its SHA-256 and an expiry at valid_until_epoch. Each save adds an entry
to quantum:stream:policy.audit (MAXLEN ~ 1000); an audit failure is only a WARN. Only one
refresh runs at a time across hosts (lock quantum:lock:policy-refresh); a run that finds
it held logs INFO and exits 0.

Environment:
)";

} // namespace

int main(int argc, char** argv) {
    const qops::ToolInfo info{"policy-refresh", "POLICY-REFRESH",
                              "Validate the trading policy and store it atomically in Redis."};
    qops::CommonOptions common;
    qops::policy::RefreshOptions options;
    std::string redis_flag;
    double generator_timeout_s = static_cast<double>(qops::policy::k_default_generator_timeout.count());
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_redis_env_help + "\n" + qops::k_exit_codes_help);
    auto* policy = app->add_option("--policy", options.policy_file, "Policy document (JSON)")
                       ->capture_default_str();
    app->add_option("--generator", options.generator, "Shell command whose stdout is the policy document")
        ->excludes(policy);
    app->add_option("--generator-timeout", generator_timeout_s, "Seconds before the generator is killed")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    app->add_flag("--dry-run", options.dry_run, "Validate and print the hash; write nothing, no Redis");
    app->add_flag("--json", options.json, "Print the result as JSON on stdout");
    app->add_option("--redis", redis_flag, "Redis URL [env: QUANTUM_REDIS_URL, default redis://127.0.0.1:6379/0]");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;

    options.generator_timeout = std::chrono::milliseconds(static_cast<long long>(generator_timeout_s * 1000));
    options.redis_url = qops::redis::url_from_env_or(redis_flag);
    options.redis_timeout = qops::redis::timeout_from_env();
    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] { return qops::policy::run_refresh(options, metrics); });
}
