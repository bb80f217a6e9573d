#include "ess/jobs.hpp"

#include "ess/latch.hpp"
#include "ess/systemd_bus.hpp"
#include "redis/client.hpp"
#include "util/cli.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <signal.h>
#include <algorithm>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace qops::ess {
namespace {

using Clock = std::chrono::steady_clock;

bool stopped_state(const std::string& s) { return s == "inactive" || s == "failed"; }

long long ms_since(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// Milliseconds since the latch file was written (its mtime), or -1.
long long latch_age_ms(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return -1;
    const auto written = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - written).count();
}

std::string host_name() {
    char host[256] = "unknown";
    ::gethostname(host, sizeof host - 1);
    return host;
}

// Best effort: the stop never waits long on Redis.
void send_alert(const Options& o, const Latch& latch, const std::string& stopped, long long elapsed_ms, bool all_stopped) {
    auto redis = redis::connect_url(o.redis_url, {std::chrono::milliseconds(500), "emergency-stop"});
    if (!redis) {
        log::warn("ESS alert not sent: {}, ignoring", redis.error().message);
        return;
    }
    auto r = redis->command({"XADD", "quantum:stream:alerts", "MAXLEN", "~", "10000", "*", "alert_type", "ESS_TRIPPED",
                             "reason", latch.reason, "who", latch.who, "when", latch.when, "host", host_name(),
                             "units", stopped, "elapsed_ms", std::to_string(elapsed_ms), "all_stopped",
                             all_stopped ? "1" : "0", "timestamp", std::to_string(now_epoch_seconds())});
    if (!r || redis::is_error_reply(*r))
        log::warn("ESS alert not sent: {}, ignoring", r ? std::string(r->str()) : r.error().message);
}

} // namespace

const std::vector<std::string>& default_units() {
    static const std::vector<std::string> k_units{"quantum-ai-engine.service", "quantum-execution.service",
                                                  "quantum-apply-layer.service", "quantum-governor.service"};
    return k_units;
}

std::vector<std::string> resolve_units(const std::vector<std::string>& flag_values) {
    std::vector<std::string> out;
    if (!flag_values.empty()) {
        for (const auto& u : flag_values) out.push_back(unit_name(u));
        return out;
    }
    std::string env = env_or("QUANTUM_ESS_UNITS", "");
    for (char& c : env)
        if (c == ',') c = ' ';
    std::istringstream in(env);
    std::string u;
    while (in >> u) out.push_back(unit_name(u));
    if (out.empty()) out = default_units();
    return out;
}

ExitCode run_trip(const Options& o, const std::string& reason, JobMetrics& metrics) {
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

ExitCode run_enforce(const Options& o, JobMetrics& metrics) {
    const auto t0 = Clock::now();
    const long long age_at_start = latch_age_ms(o.latch);
    auto latch = value_or_throw(read_latch(o.latch));
    if (!latch) {
        log::info("No latch at {}: nothing to enforce", o.latch);
        metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 0);
        return ExitCode::ok;
    }
    metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", 1);
    auto bus = value_or_throw(SystemdBus::open());

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
    for (const auto& u : o.units) {
        auto it = stopped_at.find(u);
        if (it == stopped_at.end()) continue;
        const bool was_killed = std::find(killed.begin(), killed.end(), u) != killed.end();
        log::ok("{} stopped after {} ms{}", u, it->second, was_killed ? " (SIGKILL)" : "");
        stopped_list += (stopped_list.empty() ? "" : ",") + u;
    }
    for (const auto& u : pending) log::fail("{} is still running after SIGKILL", u);
    const long long elapsed = ms_since(t0);
    const long long since_latch = age_at_start >= 0 ? age_at_start + elapsed : -1;
    metrics.gauge("quantum_ess_stop_duration_seconds", "Time enforce took to stop the trading units.",
                  static_cast<double>(elapsed) / 1000.0);
    metrics.gauge("quantum_ess_units_running", "Guarded units still running after enforce.",
                  static_cast<double>(pending.size()));
    if (pending.empty())
        log::ok("All {} trading units inactive {} ms after enforce started ({} ms after the latch appeared)", o.units.size(),
                elapsed, since_latch);
    else
        log::fail("{} of {} trading units still running after {} ms", pending.size(), o.units.size(), elapsed);
    if (o.json) {
        nlohmann::json j{{"elapsed_ms", elapsed}, {"since_latch_ms", since_latch}, {"still_running", pending},
                         {"killed", killed}};
        for (const auto& [u, ms] : stopped_at) j["stopped_ms"][u] = ms;
        std::cout << j.dump() << "\n";
    }
    send_alert(o, *latch, stopped_list, elapsed, pending.empty());
    return pending.empty() ? ExitCode::ok : ExitCode::reported;
}

ExitCode run_status(const Options& o, JobMetrics& metrics) {
    auto latch = value_or_throw(read_latch(o.latch));
    metrics.gauge("quantum_ess_latched", "1 while the emergency-stop latch exists.", latch ? 1 : 0);
    std::map<std::string, std::string> states;
    auto bus = SystemdBus::open();
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
            std::cout << fmt::format("LATCHED since {} by {}: {}\n", latch->when, latch->who, latch->reason);
        else
            std::cout << "not latched\n";
        for (const auto& u : o.units) std::cout << fmt::format("  {:32} {}\n", u, states[u]);
    }
    if (!bus) return ExitCode::unavailable;
    return latch ? ExitCode::reported : ExitCode::ok;
}

ExitCode run_reset(const Options& o, bool confirmed, JobMetrics& metrics) {
    if (!confirmed)
        throw Failure(ExitCode::usage, "reset removes the emergency-stop latch and lets the trading units be started "
                                       "again: repeat with --confirm");
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
    auto bus = SystemdBus::open();
    if (!bus) {
        log::warn("cannot re-arm {}: {}, ignoring", k_ess_service, bus.error().message);
        return ExitCode::ok;
    }
    if (auto r = bus->stop_unit(k_ess_service, "replace"); !r) log::warn("{}, ignoring", r.error().message);
    return ExitCode::ok;
}

} // namespace qops::ess
