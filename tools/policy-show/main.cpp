// policy-show: the fail-closed reader of the current trading policy.

#include "policy/jobs.hpp"
#include "redis/client.hpp"
#include "util/cli.hpp"

namespace {

constexpr const char* k_footer = R"(
Prints quantum:policy:current after checking it, fail-closed: every field present, the
stored policy_hash equal to the SHA-256 of policy_json, the fields agreeing with the
document, and valid_until_epoch in the future. Anything else exits 4 with the reason;
there is no fallback policy. --json prints the stored canonical document.

Environment:
)";

} // namespace

int main(int argc, char** argv) {
    const qops::ToolInfo info{"policy-show", "POLICY-SHOW", "Show the current trading policy, fail-closed."};
    qops::CommonOptions common;
    qops::policy::ShowOptions options;
    std::string redis_flag;
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_redis_env_help + "\n" + qops::k_exit_codes_help);
    app->add_flag("--json", options.json, "Print the stored policy document (canonical JSON)");
    app->add_option("--redis", redis_flag, "Redis URL [env: QUANTUM_REDIS_URL, default redis://127.0.0.1:6379/0]");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;

    options.redis_url = qops::redis::url_from_env_or(redis_flag);
    options.redis_timeout = qops::redis::timeout_from_env();
    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] { return qops::policy::run_show(options, metrics); });
}
