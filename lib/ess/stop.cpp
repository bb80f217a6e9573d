#include "ess/stop.hpp"

#include "base/file.hpp"
#include "systemd/bus.hpp"

#include <signal.h>

#include <fmt/format.h>
#include <fstream>
#include <thread>

namespace qops::ess {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds k_poll_interval_ms{5};
// After KillUnit, how long SIGKILL gets before the cgroup itself is killed.
constexpr std::chrono::milliseconds k_cgroup_kill_after_ms{200};

long long ms_since(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

bool stopped_state(const std::string& s) {
    return s == "inactive" || s == "failed";
}

struct Tracked {
    UnitResult result;
    std::string cgroup; // from before the stop: the property may be gone afterwards
    bool resolved = false;
    bool sigkilled = false;
    bool cgroup_killed = false;
};

void add_detail(UnitResult& r, const std::string& text) {
    if (r.detail.find(text) != std::string::npos) return;
    r.detail += (r.detail.empty() ? "" : "; ") + text;
}

// The unit's cgroup as systemd names it, or the usual place when it could not say.
std::string guess_cgroup(const std::string& unit) {
    return "/system.slice/" + unit;
}

} // namespace

std::vector<long> cgroup_pids(const std::string& cgroup_root, const std::string& control_group) {
    std::vector<long> pids;
    if (control_group.empty()) return pids;
    std::ifstream in(cgroup_root + control_group + "/cgroup.procs");
    for (long pid = 0; in >> pid;)
        pids.push_back(pid);
    return pids;
}

Result<void> cgroup_kill(const std::string& cgroup_root, const std::string& control_group) {
    if (control_group.empty() || control_group == "/") return usage_error("no cgroup to kill");
    const std::string path = cgroup_root + control_group + "/cgroup.kill";
    std::ofstream out(path);
    out << "1";
    out.flush();
    if (!out) return unavailable(fmt::format("cannot write {}", path), ErrorKind::io);
    return {};
}

StopReport stop_units(systemd::Bus* bus, const std::vector<std::string>& units, const StopOptions& options) {
    const auto t0 = Clock::now();
    const auto deadline = t0 + options.budget;
    StopReport report;
    report.transport = bus == nullptr ? "none" : (bus->direct() ? "systemd private socket" : "system bus");
    if (bus != nullptr) bus->set_call_timeout(options.call_timeout);
    std::vector<Tracked> tracked;
    for (const auto& u : units) {
        Tracked t;
        t.result.unit = u;
        t.result.outcome = "running";
        tracked.push_back(t);
    }

    // 1. Resolve every unit before anything else: an unknown name is an error, not a stop.
    for (auto& t : tracked) {
        if (bus == nullptr) {
            t.result.outcome = "error";
            add_detail(t.result, "no connection to systemd");
            t.cgroup = guess_cgroup(t.result.unit);
            continue;
        }
        auto info = bus->unit_info(t.result.unit);
        if (!info) {
            t.result.outcome = "error";
            add_detail(t.result, info.error().message);
            t.cgroup = guess_cgroup(t.result.unit);
            // A transport error (timeout, connection lost), not systemd's answer: every
            // further call would wait as long, so the rest go straight to cgroup.kill.
            if (info.error().kind != ErrorKind::refused) bus = nullptr;
            continue;
        }
        t.result.state = info->active_state;
        if (info->load_state != "loaded") {
            t.result.outcome = "unknown";
            add_detail(t.result, fmt::format("not a loaded unit (LoadState {})", info->load_state));
            continue;
        }
        t.resolved = true;
        t.cgroup = info->control_group.empty() ? guess_cgroup(t.result.unit) : info->control_group;
    }

    if (bus == nullptr) {
        for (auto& t : tracked) {
            if (!t.resolved) continue;
            t.resolved = false; // left to cgroup.kill below, never reported stopped
            t.result.outcome = "error";
            add_detail(t.result, "connection to systemd lost");
        }
    }

    // 2. Queue every stop at once; systemd runs the jobs in parallel.
    for (auto& t : tracked) {
        if (!t.resolved) continue;
        if (auto r = bus->stop_unit(t.result.unit, "replace-irreversibly"); !r) add_detail(t.result, r.error().message);
    }

    // 3. Wait, escalate, verify.
    auto pending = [&] {
        size_t n = 0;
        for (const auto& t : tracked)
            if (t.resolved && !t.result.stopped) ++n;
        return n;
    };
    bool bus_lost = false; // a transport error while polling: stop asking, kill the cgroups
    auto poll = [&] {
        for (auto& t : tracked) {
            if (!t.resolved || t.result.stopped) continue;
            auto state = bus->active_state(t.result.unit);
            if (!state) {
                add_detail(t.result, state.error().message);
                if (state.error().kind != ErrorKind::refused) bus_lost = true;
                continue;
            }
            t.result.state = *state;
            if (!stopped_state(*state)) continue;
            if (cgroup_pids(options.cgroup_root, t.cgroup).empty()) {
                t.result.stopped = true;
                t.result.ms = ms_since(t0);
                t.result.outcome = t.cgroup_killed ? "cgroup-killed" : t.sigkilled ? "killed" : "stopped";
            } else if (!t.sigkilled) {
                // The stop is over and left processes behind (KillMode=process): nothing
                // else will end them, so SIGKILL now rather than at kill_after.
                t.sigkilled = true;
                add_detail(t.result, "processes left behind after the stop");
                if (auto r = bus->kill_unit(t.result.unit, SIGKILL); !r) add_detail(t.result, r.error().message);
            }
        }
    };
    const auto kill_at = t0 + options.kill_after;
    const auto cgroup_kill_at = kill_at + k_cgroup_kill_after_ms;
    bool sigkill_sent = false, cgroup_kill_sent = false;
    while (pending() > 0 && Clock::now() < deadline && !bus_lost) {
        poll();
        if (pending() == 0 || bus_lost) break;
        const auto now = Clock::now();
        if (!sigkill_sent && now >= kill_at) {
            sigkill_sent = true;
            for (auto& t : tracked) {
                if (!t.resolved || t.result.stopped || t.sigkilled) continue;
                t.sigkilled = true;
                if (auto r = bus->kill_unit(t.result.unit, SIGKILL); !r) add_detail(t.result, r.error().message);
            }
        } else if (sigkill_sent && !cgroup_kill_sent && now >= cgroup_kill_at) {
            cgroup_kill_sent = true;
            for (auto& t : tracked) {
                if (!t.resolved || t.result.stopped || cgroup_pids(options.cgroup_root, t.cgroup).empty()) continue;
                t.cgroup_killed = true;
                if (auto r = cgroup_kill(options.cgroup_root, t.cgroup); !r) add_detail(t.result, r.error().message);
            }
        }
        std::this_thread::sleep_for(k_poll_interval_ms);
    }

    if (bus_lost) {
        for (auto& t : tracked) {
            if (!t.resolved || t.result.stopped || cgroup_pids(options.cgroup_root, t.cgroup).empty()) continue;
            if (auto r = cgroup_kill(options.cgroup_root, t.cgroup); r)
                add_detail(t.result, "connection to systemd lost: cgroup killed");
            else
                add_detail(t.result, r.error().message);
        }
    }
    // Units that could not be resolved or asked: their cgroups are killed all the same, as
    // the last resort, but they are never reported stopped.
    for (auto& t : tracked) {
        if (t.resolved || t.cgroup.empty()) continue;
        if (!cgroup_pids(options.cgroup_root, t.cgroup).empty()) {
            if (auto r = cgroup_kill(options.cgroup_root, t.cgroup); r)
                add_detail(t.result, "cgroup killed");
            else
                add_detail(t.result, r.error().message);
        }
    }
    report.all_stopped = true;
    for (auto& t : tracked) {
        if (!t.result.stopped) {
            report.all_stopped = false;
            if (t.resolved) {
                const auto pids = cgroup_pids(options.cgroup_root, t.cgroup);
                add_detail(t.result,
                           fmt::format("ActiveState {}, {} process(es) in {}", t.result.state, pids.size(), t.cgroup));
            }
        }
        report.units.push_back(t.result);
    }
    report.elapsed_ms = ms_since(t0);
    return report;
}

std::vector<UnitState> judge_units(systemd::Bus* bus, const std::vector<std::string>& units,
                                   const std::string& cgroup_root) {
    std::vector<UnitState> out;
    for (const auto& u : units) {
        UnitState st{u, "unknown", 0, false, {}};
        if (bus == nullptr) {
            out.push_back(std::move(st));
            continue;
        }
        auto info = bus->unit_info(u);
        if (!info) {
            st.error = info.error().message;
            out.push_back(std::move(st));
            continue;
        }
        const auto pids =
            info->control_group.empty() ? std::vector<long>{} : cgroup_pids(cgroup_root, info->control_group);
        st.processes = pids.size();
        st.stopped = info->load_state == "loaded" &&
                     (info->active_state == "inactive" || info->active_state == "failed") && pids.empty();
        st.state = info->load_state == "loaded" ? info->active_state : info->load_state;
        out.push_back(std::move(st));
    }
    return out;
}

} // namespace qops::ess
