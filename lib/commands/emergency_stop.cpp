#include "commands/commands.hpp"

#include "base/env.hpp"
#include "base/host.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/notify.hpp"
#include "ess/latch.hpp"
#include "ess/units.hpp"
#include "redis/client.hpp"
#include "systemd/bus.hpp"

#include <algorithm>
#include <filesystem>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace qops::commands {
namespace {

using namespace ess;
using systemd::Bus;

constexpr std::chrono::milliseconds k_default_kill_after{800};
constexpr std::chrono::milliseconds k_kill_wait{1000};
constexpr std::chrono::milliseconds k_poll_interval{5};
constexpr const char* k_ess_service = "quantum-ess.service";
constexpr const char* k_tool = "emergency-stop";

struct Options {
    std::string latch;                                           // resolved latch path
    std::vector<std::string> units;                              // resolved guarded list (unit names)
    std::chrono::milliseconds kill_after = k_default_kill_after; // SIGKILL escalation budget
    bool json = false;
    std::string redis_url; // for the best-effort alert
    std::string state_dir; // where the notification outbox is
};

using Clock = std::chrono::steady_clock;

bool stopped_state(const std::string& s) {
    return s == "inactive" || s == "failed";
}

long long ms_since(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// Milliseconds since the latch file was written (its mtime), or -1.
long long latch_age_ms(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return -1;
    const auto written =
        std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - written).count();
}

// Best effort: the stop never waits long on Redis.
void send_alert(const Options& o, const Latch& latch, const std::string& stopped, long long elapsed_ms,
                bool all_stopped) {
    auto redis = redis::connect_url(o.redis_url, {std::chrono::milliseconds(500), "emergency-stop"});
    if (!redis) {
        log::warn("ESS alert not sent: {}, ignoring", redis.error().message);
        return;
    }
    auto r = redis->command({"XADD",        "quantum:stream:alerts",
                             "MAXLEN",      "~",
                             "10000",       "*",
                             "alert_type",  "ESS_TRIPPED",
                             "reason",      latch.reason,
                             "who",         latch.who,
                             "when",        latch.when,
                             "host",        hostname(),
                             "units",       stopped,
                             "elapsed_ms",  std::to_string(elapsed_ms),
                             "all_stopped", all_stopped ? "1" : "0",
                             "timestamp",   std::to_string(now_epoch_seconds())});
    if (!r) log::warn("ESS alert not sent: {}, ignoring", r.error().message);
}

// Queues the person's notice of the trip and its enforcement; delivered after the command
// (emergency_stop_main), so a dead webhook or relay never delays the stop.
void queue_notice(const Options& o, const Latch& latch, std::vector<std::string> stopped,
                  std::vector<std::string> still_running, long long elapsed_ms, const std::string& failure) {
    // A latch made by hand (touch) has no "when": its mtime tells one trip from the next.
    std::string when = latch.when;
    struct stat st {};
    if (when.empty() && ::stat(o.latch.c_str(), &st) == 0)
        when = iso8601_utc_micros(int64_t{st.st_mtim.tv_sec} * 1'000'000 + st.st_mtim.tv_nsec / 1000);
    notify::EssEvent e{hostname(), latch.reason, latch.who, when, o.units, std::move(stopped), std::move(still_running),
                       elapsed_ms, failure};
    notify::queue(o.state_dir, k_tool, notify::ess_notice(e));
}

ExitCode trip(const Options& o, const std::string& reason, Metrics& metrics) {
    auto existing = value_or_throw(read_latch(o.latch));
    if (existing) {
        log::info("Already latched since {} by {}: {}", existing->when, existing->who, existing->reason);
        metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 1);
        return ExitCode::ok;
    }
    Latch latch{reason, current_operator(), iso8601_utc_micros(now_epoch_micros())};
    value_or_throw(write_latch(o.latch, latch));
    metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 1);
    log::fail("EMERGENCY STOP tripped by {}: {} (latch {})", latch.who, latch.reason, o.latch);
    return ExitCode::ok;
}

ExitCode enforce(const Options& o, Metrics& metrics) {
    const auto t0 = Clock::now();
    const long long age_at_start = latch_age_ms(o.latch);
    auto latch = value_or_throw(read_latch(o.latch));
    if (!latch) {
        log::info("No latch at {}: nothing to enforce", o.latch);
        metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 0);
        return ExitCode::ok;
    }
    metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 1);
    auto opened = Bus::open_system();
    if (!opened) {
        queue_notice(o, *latch, {}, o.units, ms_since(t0), opened.error().message);
        throw Failure(opened.error());
    }
    Bus bus = std::move(*opened);

    // Queue every stop first (StopUnit returns once the job is queued), then wait.
    std::map<std::string, long long> stopped_at; // unit -> ms after t0
    std::vector<std::string> pending;
    for (const auto& u : o.units) {
        auto r = bus.stop_unit(u, "replace-irreversibly");
        if (!r) {
            auto state = bus.active_state(u);
            if (state && stopped_state(*state)) {
                stopped_at[u] = ms_since(t0);
                continue;
            }
            log::fail("{}", r.error().message);
        }
        pending.push_back(u);
    }
    auto wait_until = [&](Clock::time_point deadline) {
        while (!pending.empty() && Clock::now() < deadline) {
            for (auto it = pending.begin(); it != pending.end();) {
                auto state = bus.active_state(*it);
                if (state && stopped_state(*state)) {
                    stopped_at[*it] = ms_since(t0);
                    it = pending.erase(it);
                } else {
                    ++it;
                }
            }
            if (!pending.empty()) std::this_thread::sleep_for(k_poll_interval);
        }
    };
    wait_until(t0 + o.kill_after);
    std::vector<std::string> killed;
    for (const auto& u : pending) {
        log::warn("{} did not stop within {} ms: sending SIGKILL", u, o.kill_after.count());
        if (auto r = bus.kill_unit(u, SIGKILL); !r) log::fail("{}", r.error().message);
        killed.push_back(u);
    }
    wait_until(Clock::now() + k_kill_wait);

    std::string stopped_list;
    std::vector<std::string> stopped;
    for (const auto& u : o.units) {
        auto it = stopped_at.find(u);
        if (it == stopped_at.end()) continue;
        const bool was_killed = std::find(killed.begin(), killed.end(), u) != killed.end();
        log::ok("{} stopped after {} ms{}", u, it->second, was_killed ? " (SIGKILL)" : "");
        stopped_list += (stopped_list.empty() ? "" : ",") + u;
        stopped.push_back(u);
    }
    for (const auto& u : pending)
        log::fail("{} is still running after SIGKILL", u);
    const long long elapsed = ms_since(t0);
    const long long since_latch = age_at_start >= 0 ? age_at_start + elapsed : -1;
    metrics.gauge("quantum_ess_stop_duration_seconds", "Time enforce took to stop the trading units.",
                  static_cast<double>(elapsed) / 1000.0);
    metrics.gauge("quantum_ess_units_running", "Guarded units still running after enforce.",
                  static_cast<double>(pending.size()));
    if (pending.empty())
        log::ok("All {} trading units inactive {} ms after enforce started ({} ms after the latch appeared)",
                o.units.size(), elapsed, since_latch);
    else
        log::fail("{} of {} trading units still running after {} ms", pending.size(), o.units.size(), elapsed);
    if (o.json) {
        nlohmann::json j{
            {"elapsed_ms", elapsed}, {"since_latch_ms", since_latch}, {"still_running", pending}, {"killed", killed}};
        for (const auto& [u, ms] : stopped_at)
            j["stopped_ms"][u] = ms;
        std::cout << j.dump() << "\n";
    }
    send_alert(o, *latch, stopped_list, elapsed, pending.empty());
    queue_notice(o, *latch, stopped, pending, elapsed, "");
    return pending.empty() ? ExitCode::ok : ExitCode::reported;
}

ExitCode status(const Options& o, Metrics& metrics) {
    auto latch = value_or_throw(read_latch(o.latch));
    metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", latch ? 1 : 0);
    std::map<std::string, std::string> states;
    auto bus = Bus::open_system();
    for (const auto& u : o.units) {
        if (!bus) {
            states[u] = "unknown";
            continue;
        }
        auto s = bus->active_state(u);
        states[u] = s ? *s : "unknown";
    }
    if (!bus) log::warn("unit states unknown: {}", bus.error().message);
    if (o.json) {
        nlohmann::json j{{"latched", latch.has_value()}, {"latch", o.latch}, {"units", states}};
        if (latch) j["reason"] = latch->reason, j["who"] = latch->who, j["when"] = latch->when;
        std::cout << j.dump() << "\n";
    } else {
        if (latch)
            std::cout << fmt::format("LATCHED since {} by {}: {}\n", text::escape(latch->when),
                                     text::escape(latch->who), text::escape(latch->reason));
        else
            std::cout << "not latched\n";
        for (const auto& u : o.units)
            std::cout << fmt::format("  {:32} {}\n", u, states[u]);
    }
    if (!bus) return ExitCode::unavailable;
    return latch ? ExitCode::reported : ExitCode::ok;
}

ExitCode reset(const Options& o, bool confirmed, Metrics& metrics) {
    if (!confirmed)
        throw Failure(usage_error("reset removes the emergency-stop latch and lets the trading units be started "
                                  "again: repeat with --confirm"));
    auto latch = value_or_throw(read_latch(o.latch));
    const bool removed = value_or_throw(remove_latch(o.latch));
    metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 0);
    if (removed)
        log::ok("Latch {} removed (was: {} by {} at {}); no unit was started", o.latch, latch ? latch->reason : "",
                latch ? latch->who : "", latch ? latch->when : "");
    else
        log::info("No latch at {}; nothing to reset", o.latch);
    // quantum-ess.service stays active (RemainAfterExit=yes) so that the level-triggered
    // path unit cannot loop; stop it so the next trip triggers it again.
    auto bus = Bus::open_system();
    if (!bus) {
        log::warn("cannot re-arm {}: {}, ignoring", k_ess_service, bus.error().message);
        return ExitCode::ok;
    }
    if (auto r = bus->stop_unit(k_ess_service, "replace"); !r) log::warn("{}, ignoring", r.error().message);
    return ExitCode::ok;
}

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
  STATE_DIRECTORY      where undelivered notifications wait (default: the latch's directory)
  QT_ALERT_WEBHOOK, QT_AUDIT_EMAIL, QT_SMTP_SERVER, QT_SMTP_PORT, QT_SMTP_FROM,
  QT_SMTP_STARTTLS, QT_SMTP_CA_FILE, QT_NOTIFY_TIMEOUT_MS
                       where a person is told of each trip and of a failed enforcement
                       (as audit-summary --notify), once per trip, after the stop; a
                       delivery that failed is a WARN, kept and retried by the next run,
                       and never changes the exit code

)";

} // namespace

int emergency_stop_main(int argc, char** argv) {
    const ToolInfo info{"emergency-stop", "ESS", "Emergency stop of the trading units."};
    std::string metrics_dir;
    std::string latch_flag, reason, redis_flag;
    std::vector<std::string> units;
    long long kill_after_ms = k_default_kill_after.count();
    bool json = false, confirm = false;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_exit_codes_help);
    app->require_subcommand(1);
    app->add_option("--latch", latch_flag, "Latch file [env: QUANTUM_ESS_LATCH, default /run/quantum/ESS_ON]");
    app->add_option("--unit", units, "A guarded unit (repeatable)");
    app->add_option("--redis", redis_flag, "Redis URL for the alert [env: QUANTUM_REDIS_URL]");
    auto* trip_cmd = app->add_subcommand("trip", "Write the latch");
    trip_cmd->add_option("--reason", reason, "Why (recorded in the latch)")->required();
    auto* enforce_cmd = app->add_subcommand("enforce", "Stop the guarded units now");
    enforce_cmd->add_option("--kill-after-ms", kill_after_ms, "SIGKILL units still running after this")
        ->capture_default_str()
        ->check(CLI::Range(50LL, 60000LL));
    enforce_cmd->add_flag("--json", json, "Print the timings as JSON");
    auto* status_cmd = app->add_subcommand("status", "Show the latch and the units' states");
    status_cmd->add_flag("--json", json, "Print as JSON");
    app->add_subcommand("reset", "Remove the latch; starts nothing")
        ->add_flag("--confirm", confirm, "Required: you mean it");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        Options o;
        o.latch = latch_path(latch_flag);
        o.units = resolve_units(units);
        o.kill_after = std::chrono::milliseconds(kill_after_ms);
        o.json = json;
        o.redis_url = redis::url_from_env_or(redis_flag);
        // Undelivered notifications wait beside the latch unless systemd gives a state
        // directory: whoever may trip may write there, the unit included.
        const std::string latch_dir = std::filesystem::path(o.latch).parent_path().string();
        o.state_dir = state_directory(latch_dir.empty() ? "." : latch_dir);
        auto command = [&] {
            if (trip_cmd->parsed()) return trip(o, reason, metrics);
            if (enforce_cmd->parsed()) return enforce(o, metrics);
            if (status_cmd->parsed()) return status(o, metrics);
            return reset(o, confirm, metrics);
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
