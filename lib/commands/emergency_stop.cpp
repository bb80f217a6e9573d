#include "commands/commands.hpp"

#include "audit/log.hpp"
#include "base/atomic_file.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/host.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/notify.hpp"
#include "ess/latch.hpp"
#include "ess/stop.hpp"
#include "ess/units.hpp"
#include "redis/client.hpp"
#include "systemd/bus.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

namespace qops::commands {
namespace {

using namespace ess;
using systemd::Bus;

constexpr std::chrono::milliseconds k_default_cancel_timeout_ms{5000};
constexpr size_t k_cancel_tail_bytes = 400;
constexpr const char* k_ess_service = "quantum-ess.service";
constexpr const char* k_tool = "emergency-stop";
constexpr const char* k_latched_help = "1 while the emergency-stop latch exists.";
constexpr const char* k_enforced_help = "1 when every guarded unit was verified stopped (inactive, cgroup empty).";

struct Options {
    std::string latch;              // resolved persistent latch path
    std::string seed_latch;         // the seed's /run/quantum/ESS_ON (empty: none)
    std::vector<std::string> units; // resolved guarded list (unit names)
    StopOptions stop;               // kill_after, budget, per-call timeout
    bool json = false;
    std::string redis_url;      // for the best-effort alert
    std::string cancel_command; // QUANTUM_ESS_CANCEL_COMMAND
    std::chrono::milliseconds cancel_timeout = k_default_cancel_timeout_ms;
    std::string state_dir; // where the notification outbox is
};

struct CancelResult {
    bool ran = false;
    bool ok = true;
    std::string outcome; // "exit status 0", "timed out", ...
    std::string tail;    // the last bytes of its output
};

// What one trip or enforce did, as the audit log, the alert and status see it.
struct Enforcement {
    std::string action; // "trip", "enforce"
    Latch latch;
    StopReport stop;
    CancelResult cancel;
    bool ok() const { return stop.all_stopped && cancel.ok; }
};

// The last enforcement's result, beside the latch, for status.
std::string result_path(const Options& o) {
    return o.latch + ".result.json";
}

std::string unit_summary(const StopReport& r) {
    std::string s;
    for (const auto& u : r.units)
        s += fmt::format("{}{}={}{}", s.empty() ? "" : ",", u.unit, u.outcome,
                         u.stopped ? fmt::format("({}ms)", u.ms) : "");
    return s;
}

std::string failed_units(const StopReport& r) {
    std::string s;
    for (const auto& u : r.units)
        if (!u.stopped) s += (s.empty() ? "" : ",") + u.unit;
    return s;
}

nlohmann::json to_json(const Enforcement& e) {
    nlohmann::json units = nlohmann::json::object();
    for (const auto& u : e.stop.units)
        units[u.unit] = {
            {"outcome", u.outcome}, {"stopped", u.stopped}, {"ms", u.ms}, {"state", u.state}, {"detail", u.detail}};
    nlohmann::json j{{"action", e.action},
                     {"enforced", e.stop.all_stopped},
                     {"ok", e.ok()},
                     {"elapsed_ms", e.stop.elapsed_ms},
                     {"transport", e.stop.transport},
                     {"units", units},
                     {"at", iso8601_utc_micros(now_epoch_micros())}};
    if (e.cancel.ran) j["cancel"] = {{"ok", e.cancel.ok}, {"outcome", e.cancel.outcome}, {"tail", e.cancel.tail}};
    return j;
}

// Best effort: the stop never waits long on Redis. The one place the ESS alert is raised.
void raise_ess_alert(const Options& o, const Enforcement& e) {
    auto redis = redis::connect_url(o.redis_url, {std::chrono::milliseconds(500), "emergency-stop"});
    if (!redis) {
        log::warn("ESS alert not sent: {}, ignoring", redis.error().message);
        return;
    }
    auto r = redis->command({"XADD",        "quantum:stream:alerts",
                             "MAXLEN",      "~",
                             "10000",       "*",
                             "alert_type",  e.ok() ? "ESS_TRIPPED" : "ESS_FAIL",
                             "reason",      e.latch.reason,
                             "who",         e.latch.who,
                             "when",        e.latch.when,
                             "host",        hostname(),
                             "units",       unit_summary(e.stop),
                             "not_stopped", failed_units(e.stop),
                             "elapsed_ms",  std::to_string(e.stop.elapsed_ms),
                             "all_stopped", e.stop.all_stopped ? "1" : "0",
                             "cancel",      e.cancel.ran ? e.cancel.outcome : "none",
                             "cancel_tail", e.cancel.tail,
                             "timestamp",   std::to_string(now_epoch_seconds())});
    if (!r) log::warn("ESS alert not sent: {}, ignoring", r.error().message);
}

// Queues the person's notice of the trip and its enforcement; delivered after the command
// (emergency_stop_main), so a dead webhook or relay never delays the stop.
void queue_notice(const Options& o, const Enforcement& e) {
    // A latch made by hand (touch) has no "when": its mtime tells one trip from the next.
    std::string when = e.latch.when;
    struct stat st {};
    if (when.empty() && ::stat(o.latch.c_str(), &st) == 0)
        when = iso8601_utc_micros(int64_t{st.st_mtim.tv_sec} * 1'000'000 + st.st_mtim.tv_nsec / 1000);
    std::vector<std::string> stopped, still_running;
    for (const auto& u : e.stop.units)
        (u.stopped ? stopped : still_running).push_back(u.unit);
    std::string failure;
    if (e.stop.transport == "none") failure = "systemd could not be reached: the cgroups were killed directly";
    if (!e.cancel.ok) failure += (failure.empty() ? "" : "; ") + ("cancel hook: " + e.cancel.outcome);
    notify::EssEvent ev{hostname(),         e.latch.reason,           e.latch.who,       when,   o.units,
                        std::move(stopped), std::move(still_running), e.stop.elapsed_ms, failure};
    notify::queue(o.state_dir, k_tool, notify::ess_notice(ev));
}

// Appends one audit entry; a failure is a FAIL but never undoes or delays the stop.
bool audit_record(const std::string& message) {
    auto key = audit::load_signing_key();
    if (!key) {
        log::fail("ESS audit entry not written: {}", key.error().message);
        return false;
    }
    const auto where = audit::resolve_log("");
    audit::AppendOptions options;
    options.key = *key ? &**key : nullptr;
    auto r = audit::append(where.path, {message}, options);
    if (!r) {
        log::fail("ESS audit entry not written to {}: {}", where.path, r.error().message);
        return false;
    }
    return true;
}

CancelResult run_cancel_hook(const Options& o) {
    CancelResult c;
    if (o.cancel_command.empty()) return c;
    c.ran = true;
    ProcessOptions po;
    po.timeout = o.cancel_timeout;
    po.max_output = 64 * 1024;
    po.capture_stderr = true;
    auto r = run_shell(o.cancel_command, po);
    if (!r) {
        c.ok = false;
        c.outcome = r.error().message;
        return c;
    }
    c.ok = r->succeeded();
    c.outcome = r->describe();
    c.tail = r->out.size() > k_cancel_tail_bytes ? r->out.substr(r->out.size() - k_cancel_tail_bytes) : r->out;
    return c;
}

// The latch in force: the persistent one, else the seed's (promoted to persistent, so a
// hand-made /run/quantum/ESS_ON survives a reboot too).
std::optional<Latch> current_latch(const Options& o, bool promote) {
    auto latch = value_or_throw(read_latch(o.latch));
    if (latch || o.seed_latch.empty()) return latch;
    auto seed = value_or_throw(read_latch(o.seed_latch));
    if (!seed) return seed;
    if (seed->who.empty()) seed->who = "unknown (seed latch " + o.seed_latch + ")";
    if (seed->when.empty()) seed->when = iso8601_utc_micros(now_epoch_micros());
    if (promote) {
        if (auto r = write_latch(o.latch, *seed); !r)
            log::fail("seed latch {} not made persistent at {}: {}", o.seed_latch, o.latch, r.error().message);
    }
    return seed;
}

ExitCode enforce_latch(const Options& o, const std::string& action, const Latch& latch, Metrics& metrics) {
    Enforcement e;
    e.action = action;
    e.latch = latch;
    auto bus = Bus::open_manager();
    if (!bus) log::fail("{}: killing the cgroups only", bus.error().message);
    e.stop = stop_units(bus ? &*bus : nullptr, o.units, o.stop);
    for (const auto& u : e.stop.units) {
        const log::Fields unit_fields{
            {"QUANTUM_UNIT", u.unit}, {"QUANTUM_OUTCOME", u.outcome}, {"QUANTUM_ELAPSED_MS", u.ms}};
        if (u.stopped)
            log::event(log::Level::ok, ids::ess_unit_stopped, unit_fields, "{} {} after {} ms", u.unit,
                       u.outcome == "stopped" ? "stopped" : "stopped (" + u.outcome + ")", u.ms);
        else if (u.outcome == "unknown")
            log::event(log::Level::fail, ids::ess_unit_not_stopped, unit_fields,
                       "{} is not a loaded unit ({}): check the guarded list", u.unit, u.detail);
        else
            log::event(log::Level::fail, ids::ess_unit_not_stopped, unit_fields, "{} NOT stopped: {}", u.unit,
                       u.detail);
    }
    e.cancel = run_cancel_hook(o);
    if (e.cancel.ran) {
        if (e.cancel.ok)
            log::ok("cancel hook: {}", e.cancel.outcome);
        else
            log::fail("cancel hook failed: {}; output: {}", e.cancel.outcome, text::escape(e.cancel.tail));
    }
    const auto not_stopped =
        std::count_if(e.stop.units.begin(), e.stop.units.end(), [](const UnitResult& u) { return !u.stopped; });
    const log::Fields figures{{"QUANTUM_ESS_ACTION", action},
                              {"QUANTUM_UNITS", o.units.size()},
                              {"QUANTUM_UNITS_RUNNING", not_stopped},
                              {"QUANTUM_ELAPSED_MS", e.stop.elapsed_ms},
                              {"QUANTUM_TRANSPORT", e.stop.transport}};
    if (e.stop.all_stopped)
        log::event(log::Level::ok, ids::ess_enforced, figures,
                   "All {} trading units verified stopped {} ms after enforce started (via {})", o.units.size(),
                   e.stop.elapsed_ms, e.stop.transport);
    else
        log::event(log::Level::fail, ids::ess_enforce_failed, figures,
                   "NOT ENFORCED: {} of {} trading units not verified stopped, {} ms after enforce started: {}",
                   not_stopped, o.units.size(), e.stop.elapsed_ms, failed_units(e.stop));
    // Written only now: the metric never says latched before the stop was attempted.
    metrics.gauge("quantum_ess_latched", k_latched_help, 1);
    metrics.gauge("quantum_ess_enforced", k_enforced_help, e.stop.all_stopped ? 1 : 0);
    metrics.gauge("quantum_ess_stop_duration_seconds", "Time enforce took to stop the trading units.",
                  static_cast<double>(e.stop.elapsed_ms) / 1000.0);
    size_t running = 0;
    for (const auto& u : e.stop.units)
        if (!u.stopped) ++running;
    metrics.gauge("quantum_ess_units_running", "Guarded units not verified stopped after enforce.",
                  static_cast<double>(running));
    const auto j = to_json(e);
    if (auto r = write_file_atomic(result_path(o), j.dump() + "\n", 0644); !r)
        log::warn("result not saved for status: {}", r.error().message);
    audit_record(fmt::format("ESS {} by {} ({}, via {}); latch by {} at {}: {}; units {}; cancel {}; elapsed {} ms; {}",
                             action, current_operator(), e.ok() ? "enforced" : "FAIL", e.stop.transport, latch.who,
                             latch.when, latch.reason, unit_summary(e.stop), e.cancel.ran ? e.cancel.outcome : "none",
                             e.stop.elapsed_ms, e.ok() ? "all stopped" : "not stopped: " + failed_units(e.stop)));
    if (o.json) std::cout << j.dump() << "\n";
    raise_ess_alert(o, e);
    queue_notice(o, e);
    return e.ok() ? ExitCode::ok : ExitCode::reported;
}

ExitCode trip(const Options& o, const std::string& reason, Metrics& metrics) {
    auto existing = current_latch(o, true);
    Latch latch;
    if (existing) {
        latch = *existing;
        log::warn("Already latched since {} by {}: {}; enforcing again", latch.when, latch.who, latch.reason);
    } else {
        latch = Latch{reason, current_operator(), iso8601_utc_micros(now_epoch_micros())};
        value_or_throw(write_latch(o.latch, latch));
        log::event(log::Level::fail, ids::ess_tripped, {{"QUANTUM_ESS_WHO", latch.who}, {"QUANTUM_ESS_LATCH", o.latch}},
                   "EMERGENCY STOP tripped by {}: {} (latch {})", latch.who, latch.reason, o.latch);
    }
    // Synchronous: the trip does not trust the path unit, which may be a no-op when
    // quantum-ess.service is still active from an earlier trip.
    return enforce_latch(o, "trip", latch, metrics);
}

ExitCode enforce(const Options& o, Metrics& metrics) {
    auto latch = current_latch(o, true);
    if (!latch) {
        log::info("No latch at {}: nothing to enforce", o.latch);
        metrics.gauge("quantum_ess_latched", k_latched_help, 0);
        metrics.gauge("quantum_ess_enforced", k_enforced_help, 0);
        return ExitCode::ok;
    }
    return enforce_latch(o, "enforce", *latch, metrics);
}

ExitCode status(const Options& o, Metrics& metrics) {
    auto latch = current_latch(o, false);
    // Enforced is judged now, the same way enforce judges it, not taken from a file.
    auto bus = Bus::open_manager();
    if (bus) bus->set_call_timeout(o.stop.call_timeout);
    const auto states = judge_units(bus ? &*bus : nullptr, o.units, o.stop.cgroup_root);
    const bool enforced = latch.has_value() && bus.ok() &&
                          std::all_of(states.begin(), states.end(), [](const UnitState& u) { return u.stopped; });
    nlohmann::json units = nlohmann::json::object();
    for (const auto& u : states) {
        units[u.unit] = {{"state", u.state},
                         {"processes", bus ? static_cast<long long>(u.processes) : -1LL},
                         {"stopped", u.stopped}};
        if (!u.error.empty()) units[u.unit]["error"] = u.error;
    }
    if (!bus) log::warn("unit states unknown: {}", bus.error().message);
    metrics.gauge("quantum_ess_latched", k_latched_help, latch ? 1 : 0);
    metrics.gauge("quantum_ess_enforced", k_enforced_help, enforced ? 1 : 0);
    nlohmann::json last;
    if (auto text = read_file(result_path(o), 1 << 20); text) last = nlohmann::json::parse(*text, nullptr, false);
    if (o.json) {
        nlohmann::json j{{"latched", latch.has_value()}, {"enforced", enforced}, {"latch", o.latch}, {"units", units}};
        if (latch) j["reason"] = latch->reason, j["who"] = latch->who, j["when"] = latch->when;
        if (last.is_object()) {
            j["last"] = last;
            if (last.contains("cancel")) j["cancel"] = last["cancel"];
        }
        std::cout << j.dump() << "\n";
    } else {
        if (latch)
            std::cout << fmt::format("LATCHED since {} by {}: {} ({})\n", text::escape(latch->when),
                                     text::escape(latch->who), text::escape(latch->reason),
                                     enforced ? "enforced: every unit verified stopped" : "NOT ENFORCED");
        else
            std::cout << "not latched\n";
        for (const auto& u : o.units)
            std::cout << fmt::format("  {:32} {}{}\n", u, units[u]["state"].get<std::string>(),
                                     units[u]["stopped"].get<bool>() ? "" : " (running or unknown)");
        if (last.is_object() && last.contains("cancel"))
            std::cout << fmt::format("  cancel hook: {}\n", last["cancel"]["outcome"].get<std::string>());
    }
    if (!bus) return ExitCode::unavailable;
    return latch ? ExitCode::reported : ExitCode::ok;
}

ExitCode reset(const Options& o, bool confirmed, const std::string& reason, Metrics& metrics) {
    if (!confirmed)
        throw Failure(usage_error("reset removes the emergency-stop latch and lets the trading units be started "
                                  "again: repeat with --confirm --reason TEXT"));
    if (reason.empty()) throw Failure(usage_error("reset needs --reason TEXT (recorded in the audit log)"));
    auto latch = current_latch(o, false);
    bool removed = value_or_throw(remove_latch(o.latch));
    if (!o.seed_latch.empty()) removed = value_or_throw(remove_latch(o.seed_latch)) || removed;
    (void)remove_latch(result_path(o));
    metrics.gauge("quantum_ess_latched", k_latched_help, 0);
    metrics.gauge("quantum_ess_enforced", k_enforced_help, 0);
    if (removed)
        log::event(log::Level::ok, ids::ess_reset,
                   {{"QUANTUM_ESS_WHO", current_operator()}, {"QUANTUM_ESS_LATCH", o.latch}},
                   "Latch {} removed by {}: {} (was: {} by {} at {}); no unit was started", o.latch, current_operator(),
                   reason, latch ? latch->reason : "", latch ? latch->who : "", latch ? latch->when : "");
    else
        log::info("No latch at {}; nothing to reset", o.latch);
    audit_record(fmt::format("ESS reset by {}: {}; latch {} (was: {} by {} at {})", current_operator(), reason,
                             removed ? "removed" : "absent", latch ? latch->reason : "", latch ? latch->who : "",
                             latch ? latch->when : ""));
    // quantum-ess.service stays active (RemainAfterExit=yes) so that the level-triggered
    // path unit cannot loop; stop it so the next hand-made latch triggers it again.
    auto bus = Bus::open_manager();
    if (!bus) {
        log::warn("cannot re-arm {}: {}, ignoring", k_ess_service, bus.error().message);
        return ExitCode::ok;
    }
    bus->set_call_timeout(o.stop.call_timeout);
    if (auto r = bus->stop_unit(k_ess_service, "replace"); !r) log::warn("{}, ignoring", r.error().message);
    return ExitCode::ok;
}

constexpr const char* k_footer = R"(
Commands:
  trip --reason TEXT   write the persistent latch (/var/lib/quantum/ESS_ON: reason, who, when)
                       and enforce at once (synchronous; a second trip enforces again).
  enforce              stop every guarded unit: each name is resolved first (one that is not a
                       loaded unit is a FAIL), all stop jobs are queued at once (StopUnit, mode
                       replace-irreversibly) over systemd's private socket (the system bus as a
                       fallback), survivors get SIGKILL (KillUnit all) at --kill-after-ms and
                       then cgroup.kill; a unit counts as stopped only when inactive or failed
                       with an empty cgroup. Then the cancel hook, the audit entry and an
                       ESS_TRIPPED (or ESS_FAIL) alert to Redis (best effort, 500 ms).
                       Exit 0 every unit verified stopped (and the hook succeeded), 1 otherwise.
  status               latch, enforced and each guarded unit (exit 0 not latched, 1 latched)
  reset --confirm --reason TEXT
                       remove the latch (and the seed's), record who and why; starts nothing.
While a latch exists, the guarded units cannot start (drop-in 50-quantum-ess-guard.conf:
AssertPathExists=!/var/lib/quantum/ESS_ON and !/run/quantum/ESS_ON). Monitoring units are
never touched. Creating /run/quantum/ESS_ON by hand is a trip (quantum-ess.path).

Guarded units: --unit (repeatable), else QUANTUM_ESS_UNITS (comma or space separated), else
/etc/quantum/ess.conf, else quantum-ai-engine quantum-execution quantum-apply-layer
quantum-governor.

Environment:
  QUANTUM_ESS_LATCH    latch path (default /var/lib/quantum/ESS_ON)
  QUANTUM_ESS_SEED_LATCH the seed's latch, also a trip (default /run/quantum/ESS_ON; empty: none)
  QUANTUM_ESS_UNITS    guarded units
  QUANTUM_ESS_CONF     the guarded list file (default /etc/quantum/ess.conf)
  QUANTUM_ESS_CANCEL_COMMAND  run after the stops (e.g. cancel all resting orders)
  QUANTUM_ESS_CANCEL_TIMEOUT  its deadline in seconds (default 5); a hang is killed
  QT_AUDIT_LOG         the audit log (default /var/log/quantum/audit.log)
  QUANTUM_REDIS_URL    Redis for the alert (and QUANTUM_REDIS_PASSWORD_FILE, CREDENTIALS_DIRECTORY)
  QUANTUM_METRICS_DIR  as --metrics-dir
  STATE_DIRECTORY      where undelivered notifications wait (default: the latch's directory)
  QT_ALERT_WEBHOOK_FILE (credential alert-webhook), QT_AUDIT_EMAIL, QT_SMTP_SERVER,
  QT_SMTP_PORT, QT_SMTP_FROM, QT_SMTP_STARTTLS, QT_SMTP_CA_FILE, QT_SMTP_USER,
  QT_SMTP_PASSWORD_FILE (credential smtp-password), QT_NOTIFY_TIMEOUT_MS
                       where a person is told of each trip and of a failed enforcement
                       (as audit-summary --notify), once per trip, after the stop; a
                       delivery that failed is a WARN, kept and retried by the next run,
                       and never changes the exit code

)";

std::chrono::milliseconds cancel_timeout_from_env() {
    const char* v = std::getenv("QUANTUM_ESS_CANCEL_TIMEOUT");
    if (v == nullptr || *v == '\0') return k_default_cancel_timeout_ms;
    char* end = nullptr;
    const double s = std::strtod(v, &end);
    if (end == v || *end != '\0' || s <= 0 || s > 600)
        throw Failure(usage_error(fmt::format("QUANTUM_ESS_CANCEL_TIMEOUT={}: seconds, 0 < s <= 600", v)));
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

} // namespace

int emergency_stop_main(int argc, char** argv) {
    const ToolInfo info{"emergency-stop", "ESS", "Emergency stop of the trading units."};
    std::string metrics_dir;
    std::string latch_flag, reason, reset_reason, redis_flag;
    std::vector<std::string> units;
    long long kill_after_ms = k_kill_after_ms.count();
    long long budget_ms = k_budget_ms.count();
    bool json = false, confirm = false;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_exit_codes_help);
    app->require_subcommand(1);
    app->add_option("--latch", latch_flag, "Latch file [env: QUANTUM_ESS_LATCH, default /var/lib/quantum/ESS_ON]");
    app->add_option("--unit", units, "A guarded unit (repeatable)");
    app->add_option("--redis", redis_flag, "Redis URL for the alert [env: QUANTUM_REDIS_URL]");
    auto add_stop_flags = [&](CLI::App* cmd) {
        cmd->add_option("--kill-after-ms", kill_after_ms, "SIGKILL units still running after this")
            ->capture_default_str()
            ->check(CLI::Range(50LL, 60000LL));
        cmd->add_option("--budget-ms", budget_ms, "Give up verifying after this")
            ->capture_default_str()
            ->check(CLI::Range(100LL, 120000LL));
        cmd->add_flag("--json", json, "Print the result as JSON");
    };
    auto* trip_cmd = app->add_subcommand("trip", "Write the latch and enforce it");
    trip_cmd->add_option("--reason", reason, "Why (recorded in the latch)")->required();
    add_stop_flags(trip_cmd);
    auto* enforce_cmd = app->add_subcommand("enforce", "Stop the guarded units now");
    add_stop_flags(enforce_cmd);
    auto* status_cmd = app->add_subcommand("status", "Show the latch and the units' states");
    status_cmd->add_flag("--json", json, "Print as JSON");
    auto* reset_cmd = app->add_subcommand("reset", "Remove the latch; starts nothing");
    reset_cmd->add_flag("--confirm", confirm, "Required: you mean it");
    reset_cmd->add_option("--reason", reset_reason, "Why (recorded in the audit log)");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        Options o;
        o.latch = latch_path(latch_flag);
        o.seed_latch = seed_latch_path();
        o.units = resolve_units(units);
        o.stop.kill_after = std::chrono::milliseconds(kill_after_ms);
        o.stop.budget = std::chrono::milliseconds(std::max(budget_ms, kill_after_ms + 300));
        o.json = json;
        o.redis_url = redis::url_from_env_or(redis_flag);
        o.cancel_command = env_or("QUANTUM_ESS_CANCEL_COMMAND", "");
        o.cancel_timeout = cancel_timeout_from_env();
        // Undelivered notifications wait beside the latch unless systemd gives a state
        // directory: whoever may trip may write there, the unit included.
        const std::string latch_dir = std::filesystem::path(o.latch).parent_path().string();
        o.state_dir = state_directory(latch_dir.empty() ? "." : latch_dir);
        auto command = [&] {
            if (trip_cmd->parsed()) return trip(o, reason, metrics);
            if (enforce_cmd->parsed()) return enforce(o, metrics);
            if (status_cmd->parsed()) return status(o, metrics);
            (void)reset_cmd;
            return reset(o, confirm, reset_reason, metrics);
        };
        // Every run delivers what the outbox holds, after its own work and whatever its
        // outcome: the exit code is the command's, never the delivery's.
        ExitCode code = ExitCode::ok;
        try {
            code = command();
        } catch (const Failure&) {
            notify::deliver(o.state_dir, k_tool);
            throw;
        }
        notify::deliver(o.state_dir, k_tool);
        return code;
    });
}

} // namespace qops::commands
