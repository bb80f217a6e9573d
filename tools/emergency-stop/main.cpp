// emergency-stop: the OS-level kill switch for the trading units.

#include "ess/jobs.hpp"
#include "ess/latch.hpp"
#include "redis/client.hpp"
#include "util/cli.hpp"

namespace {

constexpr const char* k_footer = R"(
Commands:
  trip --reason TEXT   write the latch (/run/quantum/ESS_ON: reason, who, when). The path unit
                       quantum-ess.path sees it and starts quantum-ess.service (enforce).
  enforce              stop every guarded unit: all stop jobs are queued at once over D-Bus
                       (StopUnit, mode replace-irreversibly), units still running after
                       --kill-after-ms get SIGKILL (KillUnit); logs each unit and the elapsed
                       time, then sends an ESS_TRIPPED alert to Redis (best effort, 500 ms).
                       Needs neither Redis nor Python. Exit 0 all stopped, 1 some still running.
  status               the latch and each guarded unit's state (exit 0 not latched, 1 latched)
  reset --confirm      remove the latch and re-arm quantum-ess.service; starts nothing.
While the latch exists, the guarded units cannot start (drop-in 50-quantum-ess-guard.conf:
AssertPathExists=!/run/quantum/ESS_ON). Monitoring units are never touched.

Guarded units: --unit (repeatable), else QUANTUM_ESS_UNITS (comma or space separated), else
quantum-ai-engine quantum-execution quantum-apply-layer quantum-governor.

Environment:
  QUANTUM_ESS_LATCH    latch path (default /run/quantum/ESS_ON)
  QUANTUM_ESS_UNITS    guarded units
  QUANTUM_REDIS_URL    Redis for the alert (and QUANTUM_REDIS_PASSWORD_FILE, CREDENTIALS_DIRECTORY)
  QUANTUM_METRICS_DIR  as --metrics-dir

)";

} // namespace

int main(int argc, char** argv) {
    const qops::ToolInfo info{"emergency-stop", "ESS", "Emergency stop of the trading units."};
    qops::CommonOptions common;
    std::string latch_flag, reason, redis_flag;
    std::vector<std::string> units;
    long long kill_after_ms = qops::ess::k_default_kill_after.count();
    bool json = false, confirm = false;
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_exit_codes_help);
    app->require_subcommand(1);
    app->add_option("--latch", latch_flag, "Latch file [env: QUANTUM_ESS_LATCH, default /run/quantum/ESS_ON]");
    app->add_option("--unit", units, "A guarded unit (repeatable)");
    app->add_option("--redis", redis_flag, "Redis URL for the alert [env: QUANTUM_REDIS_URL]");
    auto* trip = app->add_subcommand("trip", "Write the latch");
    trip->add_option("--reason", reason, "Why (recorded in the latch)")->required();
    auto* enforce = app->add_subcommand("enforce", "Stop the guarded units now");
    enforce->add_option("--kill-after-ms", kill_after_ms, "SIGKILL units still running after this")
        ->capture_default_str()
        ->check(CLI::Range(50LL, 60000LL));
    enforce->add_flag("--json", json, "Print the timings as JSON");
    auto* status = app->add_subcommand("status", "Show the latch and the units' states");
    status->add_flag("--json", json, "Print as JSON");
    auto* reset = app->add_subcommand("reset", "Remove the latch; starts nothing");
    reset->add_flag("--confirm", confirm, "Required: you mean it");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;

    qops::ess::Options o;
    o.latch = qops::ess::latch_path(latch_flag);
    o.units = qops::ess::resolve_units(units);
    o.kill_after = std::chrono::milliseconds(kill_after_ms);
    o.json = json;
    o.redis_url = qops::redis::url_from_env_or(redis_flag);
    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] {
        if (trip->parsed()) return qops::ess::run_trip(o, reason, metrics);
        if (enforce->parsed()) return qops::ess::run_enforce(o, metrics);
        if (status->parsed()) return qops::ess::run_status(o, metrics);
        return qops::ess::run_reset(o, confirm, metrics);
    });
}
