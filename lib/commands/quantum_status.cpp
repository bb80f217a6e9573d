#include "commands/commands.hpp"

#include "audit/log.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "crypto/base64.hpp"
#include "crypto/checkpoint.hpp"
#include "crypto/note.hpp"
#include "ess/latch.hpp"
#include "ess/stop.hpp"
#include "ess/units.hpp"
#include "policy/accepted.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "redis/client.hpp"
#include "systemd/bus.hpp"

#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace qops::commands {
namespace {

using nlohmann::json;

constexpr const char* k_default_metrics_dir = "/var/lib/quantum/metrics";
constexpr const char* k_default_audit_log = "/var/log/quantum/audit.log";
constexpr const char* k_alerts_stream = "quantum:stream:alerts";
constexpr int64_t k_alert_window_seconds = 24 * 3600;
constexpr long long k_max_alerts_counted = 10000;
// Counting a log's entries reads it whole: done only below this size, so a call stays
// quick on a 10M-line log (the count is a cheap truncation check, not a verification).
constexpr uint64_t k_max_counted_log_bytes = 256ULL << 20;
constexpr std::chrono::milliseconds k_bus_timeout_ms{1000};
// The contract's timers: reported even when systemd has not loaded them.
const std::vector<std::string> k_contract_timers{"quantum-policy-refresh.timer", "quantum-exit-owner-watch.timer",
                                                 "quantum-audit-summary.timer"};

// How a row counts towards the exit code, worst last.
enum class Health { ok, look, unreachable, integrity };

ExitCode exit_code(Health h) {
    switch (h) {
    case Health::ok:
        return ExitCode::ok;
    case Health::look:
        return ExitCode::reported;
    case Health::unreachable:
        return ExitCode::unavailable;
    case Health::integrity:
        return ExitCode::integrity;
    }
    return ExitCode::unavailable;
}

std::string_view health_word(Health h) {
    switch (h) {
    case Health::ok:
        return "ok";
    case Health::look:
        return "look";
    case Health::unreachable:
        return "unreachable";
    case Health::integrity:
        return "FAIL";
    }
    return "?";
}

struct Row {
    std::string check; // "policy", "timer quantum-policy-refresh", ...
    Health health = Health::ok;
    std::string summary; // one line for the table, from outside values escaped
};

struct Options {
    bool json = false;
    std::string redis_url;
    std::chrono::milliseconds redis_timeout{2000};
    std::string verifier_keys; // policy verifier keys (empty: the reader's default)
    std::string state_dir;     // the policy reader's state directory (read only here)
    std::string metrics_dir;   // where the tools' .prom files are read
    std::string audit_log;
    std::string ledger;          // empty: not configured on this host
    std::string checkpoint_keys; // QUANTUM_VERIFIER_KEYS: checkpoint verifier keys (empty: none)
};

struct Report {
    std::vector<Row> rows;
    json j = json::object();
    void add(Row r) { rows.push_back(std::move(r)); }
    Health worst() const {
        Health w = Health::ok;
        for (const auto& r : rows)
            w = std::max(w, r.health);
        return w;
    }
};

// "in 5min", "2h 3min ago", "now".
std::string span(int64_t seconds) {
    if (seconds == 0) return "now";
    const bool neg = seconds < 0;
    int64_t s = neg ? -seconds : seconds;
    std::string out;
    if (s >= 86400)
        out = fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        out = fmt::format("{}h {}min", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        out = fmt::format("{}min", s / 60);
    else
        out = fmt::format("{}s", s);
    return neg ? out + " ago" : "in " + out;
}

// --- Redis
std::optional<redis::Client> check_redis(const Options& o, Report& rep) {
    auto client = redis::connect_url(o.redis_url, {o.redis_timeout, "quantum-status"});
    if (client) {
        if (auto pong = client->command({"PING"}); pong) {
            rep.j["redis"] = {{"reachable", true}, {"server", client->description()}};
            rep.add({"redis", Health::ok, "reachable (" + text::escape(client->description()) + ")"});
            return std::move(*client);
        } else {
            client = pong.error();
        }
    }
    if (client.error().code == ExitCode::usage) throw Failure(client.error()); // a bad URL: exit 2
    rep.j["redis"] = {{"reachable", false}, {"error", client.error().message}};
    rep.add({"redis", Health::unreachable, "UNREACHABLE: " + text::escape(client.error().message)});
    return std::nullopt;
}

// --- policy: the fail-closed reader's checks, read only (the accepted seq is compared,
// never recorded: a look must not move what the services' readers hold to).
void check_policy(const Options& o, redis::Client* redis, Report& rep, int64_t now) {
    json& j = rep.j["policy"];
    const auto fail = [&](Health h, const std::string& state, const std::string& why) {
        j = {{"state", state}, {"error", why}};
        rep.add({"policy", h, fmt::format("{}: {}", state, text::escape(why))});
    };
    if (redis == nullptr) return fail(Health::unreachable, "unknown", "Redis unreachable");
    auto config = policy::reader_config(o.verifier_keys, o.state_dir);
    if (!config) return fail(Health::integrity, "no verifier keys", config.error().message);
    auto fields = policy::read_fields(*redis);
    if (!fields) return fail(Health::unreachable, "unknown", fields.error().message);
    if (fields->empty())
        return fail(Health::integrity, "missing", std::string(policy::k_policy_key) + " does not exist");
    auto sealed = policy::verify_signed(*fields, now, config->trusted);
    if (!sealed) return fail(Health::integrity, "rejected", sealed.error().message);
    std::string rollback_check = "not checked";
    if (auto accepted = policy::read_accepted(config->state_dir); accepted) {
        rollback_check = "ok";
        if (sealed->policy_seq < accepted->seq)
            return fail(Health::integrity, "rejected",
                        fmt::format("policy_seq {} is lower than {} accepted before on this host (rollback)",
                                    sealed->policy_seq, accepted->seq));
        if (sealed->policy_seq == accepted->seq && sealed->policy_hash != accepted->hash)
            return fail(Health::integrity, "rejected",
                        fmt::format("policy_seq {} was accepted before with another hash", sealed->policy_seq));
    }
    std::string signer = "?";
    if (auto opened = crypto::open_note(sealed->policy_note, config->trusted); opened && !opened->signers.empty())
        signer = fmt::format("{}+{:08x}", opened->signers.front().name, opened->signers.front().id);
    const int64_t expires_in = sealed->valid_until_epoch - now;
    const bool near = sealed->valid_until_epoch <= now + policy::k_freshness_margin_seconds;
    j = {{"state", near ? "near expiry" : "valid"},
         {"version", sealed->doc.policy_version},
         {"seq", sealed->policy_seq},
         {"hash", sealed->policy_hash},
         {"signer", signer},
         {"valid_until_epoch", sealed->valid_until_epoch},
         {"expires_in_seconds", expires_in},
         {"rollback_check", rollback_check}};
    rep.add({"policy", near ? Health::look : Health::ok,
             fmt::format("{} {} seq {} signed by {}, expires {}{}", near ? "NEAR EXPIRY:" : "valid",
                         text::escape(sealed->doc.policy_version), sealed->policy_seq, text::escape(signer),
                         span(expires_in), near ? " (within the 1800 s margin)" : "")});
}

// --- timers
int64_t monotonic_to_epoch(uint64_t mono_usec, int64_t now) {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    const int64_t now_mono_usec = static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
    return now + (static_cast<int64_t>(mono_usec) - now_mono_usec) / 1'000'000;
}

bool set_usec(uint64_t v) {
    return v != 0 && v != UINT64_MAX;
}

void check_timers(systemd::Bus* bus, const std::string& bus_error, Report& rep, int64_t now) {
    json& j = rep.j["timers"];
    j = json::array();
    // Not a systemd host (a dev box, a container): no timer can run here, and nothing is
    // unreachable. On a host booted with systemd, a bus that does not answer is exit 3.
    if (bus == nullptr && sd_booted() <= 0) {
        rep.j["systemd"] = {{"running", false}};
        rep.add({"timers", Health::ok, "not checked: systemd is not running on this host"});
        return;
    }
    if (bus == nullptr) {
        rep.j["systemd"] = {{"running", true}, {"reachable", false}, {"error", bus_error}};
        rep.add({"timers", Health::unreachable, "systemd unreachable: " + text::escape(bus_error)});
        return;
    }
    rep.j["systemd"] = {{"running", true}, {"reachable", true}};
    std::set<std::string> names(k_contract_timers.begin(), k_contract_timers.end());
    if (auto listed = bus->list_units("quantum-*.timer"); listed) names.insert(listed->begin(), listed->end());
    for (const auto& timer : names) {
        const std::string check = "timer " + timer.substr(0, timer.size() - 6);
        auto t = bus->timer_info(timer);
        if (!t) {
            j.push_back({{"timer", timer}, {"health", "unreachable"}, {"error", t.error().message}});
            rep.add({check, Health::unreachable, text::escape(t.error().message)});
            continue;
        }
        if (t->load_state != "loaded") {
            j.push_back({{"timer", timer}, {"health", "look"}, {"load_state", t->load_state}});
            rep.add({check, Health::look, "not installed (" + text::escape(t->load_state) + ")"});
            continue;
        }
        const int64_t last =
            set_usec(t->last_trigger_usec) ? static_cast<int64_t>(t->last_trigger_usec / 1'000'000) : 0;
        int64_t next = 0;
        if (set_usec(t->next_elapse_realtime))
            next = static_cast<int64_t>(t->next_elapse_realtime / 1'000'000);
        else if (set_usec(t->next_elapse_monotonic))
            next = monotonic_to_epoch(t->next_elapse_monotonic, now);
        Health h = Health::ok;
        // A failed run counts whether the timer or a person started it.
        if (t->service_result != "success") h = Health::look;
        if (t->active_state != "active") h = Health::look;
        json row{{"timer", timer},
                 {"service", t->service},
                 {"active_state", t->active_state},
                 {"result", t->service_result},
                 {"exit_status", t->exec_main_status},
                 {"service_state", t->service_active_state},
                 {"health", health_word(h)}};
        row["last_trigger_epoch"] = last == 0 ? json(nullptr) : json(last);
        row["next_elapse_epoch"] = next == 0 ? json(nullptr) : json(next);
        j.push_back(row);
        std::string last_text = last == 0 ? "never triggered" : span(last - now);
        if (t->service_result != "success")
            last_text +=
                fmt::format(" (FAILED: {}, exit status {})", text::escape(t->service_result), t->exec_main_status);
        else if (last != 0)
            last_text += " (success)";
        const std::string state =
            t->active_state == "active" ? "active" : "NOT ACTIVE (" + text::escape(t->active_state) + ")";
        const std::string summary =
            fmt::format("{}; last {}; next {}", state, last_text, next == 0 ? "none" : span(next - now));
        rep.add({check, h, summary});
    }
}

// --- alerts of the last 24 h
void check_alerts(redis::Client* redis, Report& rep, int64_t now) {
    json& j = rep.j["alerts"];
    if (redis == nullptr) {
        j = {{"error", "Redis unreachable"}};
        rep.add({"alerts 24h", Health::unreachable, "unknown: Redis unreachable"});
        return;
    }
    const int64_t since = now - k_alert_window_seconds;
    auto reply = redis->command({"XRANGE", k_alerts_stream, std::to_string(since * 1000), "+", "COUNT",
                                 std::to_string(k_max_alerts_counted + 1)});
    if (!reply) {
        j = {{"error", reply.error().message}};
        rep.add({"alerts 24h", Health::unreachable, text::escape(reply.error().message)});
        return;
    }
    std::map<std::string, long long> by_type;
    long long total = 0;
    for (size_t i = 0; i < reply->size() && total < k_max_alerts_counted; ++i) {
        const auto entry = reply->element(i);
        if (entry.size() < 2) continue;
        const auto fields = entry.element(1);
        std::string type = "unknown";
        for (size_t k = 0; k + 1 < fields.size(); k += 2)
            if (fields.element(k).str() == "alert_type") type = std::string(fields.element(k + 1).str());
        ++by_type[type];
        ++total;
    }
    const bool capped = reply->size() > static_cast<size_t>(k_max_alerts_counted);
    const long long exit_owner = by_type.contains("EXIT_OWNER_VIOLATION") ? by_type["EXIT_OWNER_VIOLATION"] : 0;
    const long long ess_fail = by_type.contains("ESS_FAIL") ? by_type["ESS_FAIL"] : 0;
    j = {
        {"since_epoch", since}, {"total", total}, {"capped", capped}, {"exit_owner", exit_owner}, {"by_type", by_type}};
    std::string types;
    for (const auto& [t, n] : by_type)
        types += fmt::format("{}{} {}", types.empty() ? "" : ", ", n, text::escape(t));
    const Health h = exit_owner > 0 || ess_fail > 0 ? Health::look : Health::ok;
    rep.add({"alerts 24h", h, total == 0 ? "none" : fmt::format("{}{} ({})", total, capped ? "+" : "", types)});
}

// --- emergency stop: the latch, and each guarded unit judged now as enforce judges it
void check_ess(systemd::Bus* bus, Report& rep) {
    json& j = rep.j["emergency_stop"];
    const std::string path = ess::latch_path("");
    const std::string seed = ess::seed_latch_path();
    auto latch = ess::read_latch(path);
    if (latch && !*latch && !seed.empty()) latch = ess::read_latch(seed);
    if (!latch) {
        j = {{"latch", path}, {"error", latch.error().message}};
        rep.add({"emergency stop", Health::look, "latch unreadable: " + text::escape(latch.error().message)});
        return;
    }
    const auto units = ess::resolve_units({});
    const auto states = ess::judge_units(bus, units, ess::k_cgroup_root);
    const bool enforced = latch->has_value() && bus != nullptr &&
                          std::all_of(states.begin(), states.end(), [](const ess::UnitState& u) { return u.stopped; });
    json per_unit = json::object();
    for (const auto& u : states) {
        per_unit[u.unit] = {{"state", u.state}, {"stopped", u.stopped}, {"processes", u.processes}};
        if (!u.error.empty()) per_unit[u.unit]["error"] = u.error;
    }
    j = {{"latched", latch->has_value()}, {"enforced", enforced}, {"latch", path}, {"units", per_unit}};
    if (!latch->has_value()) {
        std::string running;
        for (const auto& u : states)
            if (u.state == "active") running += (running.empty() ? "" : " ") + u.unit;
        rep.add({"emergency stop", Health::ok,
                 fmt::format("not latched; {}", bus == nullptr    ? "unit states unknown"
                                                : running.empty() ? "no guarded unit active"
                                                                  : "active: " + text::escape(running))});
        return;
    }
    const ess::Latch& l = **latch;
    j["reason"] = l.reason, j["who"] = l.who, j["when"] = l.when;
    rep.add({"emergency stop", Health::integrity,
             fmt::format("LATCHED since {} by {}: {} ({})", text::escape(l.when), text::escape(l.who),
                         text::escape(l.reason), enforced ? "enforced" : "NOT ENFORCED")});
}

// --- audit log and ledger: the latest checkpoint beside the file, the last verification
// from the metrics file. Nothing is re-verified here (see the runbook).
struct Gauges {
    std::optional<double> ok;
    std::optional<double> at;
};

std::optional<double> read_gauge(const std::string& content, const std::string& name) {
    size_t pos = 0;
    while ((pos = content.find(name, pos)) != std::string::npos) {
        const bool line_start = pos == 0 || content[pos - 1] == '\n';
        const size_t after = pos + name.size();
        pos = after;
        if (!line_start || after >= content.size() || (content[after] != '{' && content[after] != ' ')) continue;
        const size_t eol = content.find('\n', after);
        const std::string line = content.substr(after, eol == std::string::npos ? std::string::npos : eol - after);
        const size_t space = line.rfind(' ');
        if (space == std::string::npos) continue;
        try {
            return std::stod(line.substr(space + 1));
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// <prefix>_verify_ok and _verify_timestamp_seconds; else the older gauge legacy_ok
// (audit-log's quantum_audit_chain_ok) stamped with the run's time.
Gauges read_verify_gauges(const std::string& prom, const std::string& prefix, const std::string& legacy_ok) {
    auto content = read_file(prom, 1u << 20);
    if (!content) return {};
    Gauges g{read_gauge(*content, prefix + "_verify_ok"), read_gauge(*content, prefix + "_verify_timestamp_seconds")};
    if (!g.ok && !legacy_ok.empty()) {
        g.ok = read_gauge(*content, legacy_ok);
        if (g.ok) g.at = read_gauge(*content, "quantum_job_last_run_timestamp_seconds");
    }
    return g;
}

// The text of a signed note (up to the blank line before the signatures).
std::string note_text(const std::string& note) {
    const auto blank = note.find("\n\n");
    return blank == std::string::npos ? note : note.substr(0, blank + 1);
}

struct LogSpec {
    std::string check;     // "audit log", "ledger"
    std::string key;       // JSON key
    std::string path;      // the file (empty: not configured)
    std::string job;       // metrics job
    std::string prefix;    // gauge prefix: quantum_audit, quantum_ledger
    std::string legacy_ok; // the verify gauge of tools that predate <prefix>_verify_ok
    bool count_lines = false;
};

void check_log(const Options& o, const LogSpec& s, Report& rep, int64_t now) {
    json& j = rep.j[s.key];
    if (s.path.empty()) {
        j = {{"configured", false}};
        rep.add({s.check, Health::ok, "not configured here"});
        return;
    }
    j = {{"path", s.path}};
    struct stat st {};
    if (::stat(s.path.c_str(), &st) != 0) {
        j["exists"] = false;
        rep.add({s.check, Health::ok, "none yet (" + text::escape(s.path) + ")"});
        return;
    }
    j["exists"] = true;
    Health h = Health::ok;
    std::vector<std::string> parts;
    // Checkpoint.
    auto note = read_file(s.path + ".checkpoint", 64u << 10);
    if (!note) {
        j["checkpoint"] = nullptr;
        if (st.st_size > 0) h = Health::look;
        parts.emplace_back("no checkpoint");
    } else {
        auto body = crypto::parse_checkpoint_body(note_text(*note));
        if (!body) {
            h = Health::integrity;
            j["checkpoint"] = {{"error", body.error().message}};
            parts.push_back("checkpoint unreadable: " + text::escape(body.error().message));
        } else {
            json cp{{"origin", body->origin},
                    {"size", body->size},
                    {"root", crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(body->root.data()),
                                                                    body->root.size()))}};
            std::string signature = "signature not checked";
            if (!o.checkpoint_keys.empty()) {
                auto keys = crypto::load_verifier_keys(o.checkpoint_keys);
                auto opened = keys ? crypto::open_note(*note, *keys) : Result<crypto::OpenedNote>(keys.error());
                cp["signed"] = opened.ok();
                signature = opened ? "signed" : "NOT SIGNED by a listed key";
                if (!opened) h = Health::integrity;
            }
            if (s.count_lines && static_cast<uint64_t>(st.st_size) <= k_max_counted_log_bytes) {
                // A rotated log: the entries before the file, as its rotation recorded them.
                auto rotated = audit::read_segments(s.path);
                const uint64_t before =
                    rotated && !rotated->empty() ? rotated->back().end.frontier.size() : uint64_t{0};
                if (auto n = audit::count_lines(s.path); n && rotated) {
                    cp["entries"] = before + *n;
                    if (body->size > before + *n) {
                        h = Health::integrity;
                        signature += fmt::format("; the log has only {} entries (truncated?)", before + *n);
                    }
                }
            }
            j["checkpoint"] = cp;
            parts.push_back(
                fmt::format("checkpoint size {} ({}, {})", body->size, text::escape(body->origin), signature));
        }
    }
    // Last verification.
    const Gauges g = read_verify_gauges(o.metrics_dir + "/" + s.job + ".prom", s.prefix, s.legacy_ok);
    if (!g.ok) {
        j["verify"] = nullptr;
        parts.emplace_back("never verified");
    } else {
        const bool ok = *g.ok == 1;
        const int64_t at = g.at ? static_cast<int64_t>(*g.at) : 0;
        j["verify"] = {{"ok", ok}, {"timestamp_epoch", at == 0 ? json(nullptr) : json(at)}};
        if (!ok) h = Health::integrity;
        parts.push_back(fmt::format("last verify {}{}", ok ? "ok" : "FAILED", at == 0 ? "" : " " + span(at - now)));
    }
    j["health"] = health_word(h);
    std::string summary;
    for (const auto& p : parts)
        summary += (summary.empty() ? "" : "; ") + p;
    rep.add({s.check, h, summary});
}

// --- output
bool use_colour() {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::string_view(term) == "dumb") return false;
    return ::isatty(STDOUT_FILENO) == 1;
}

std::string coloured(Health h, bool colour) {
    const std::string word(health_word(h));
    if (!colour) return fmt::format("{:<11}", word);
    const char* code = h == Health::ok ? "32" : h == Health::look ? "33" : "1;31";
    return fmt::format("\x1b[{}m{:<11}\x1b[0m", code, word);
}

std::string_view verdict(Health h) {
    switch (h) {
    case Health::ok:
        return "healthy";
    case Health::look:
        return "needs a look";
    case Health::unreachable:
        return "a dependency is unreachable";
    case Health::integrity:
        return "integrity failure or latched stop";
    }
    return "?";
}

void print_table(const Report& rep, Health worst) {
    const bool colour = use_colour();
    size_t width = 5;
    for (const auto& r : rep.rows)
        width = std::max(width, r.check.size());
    std::string out = fmt::format("{:<{}}  {:<11}  {}\n", "CHECK", width, "STATE", "DETAIL");
    for (const auto& r : rep.rows)
        out += fmt::format("{:<{}}  {}  {}\n", r.check, width, coloured(r.health, colour), r.summary);
    out += fmt::format("\n{} (exit {})\n", verdict(worst), to_int(exit_code(worst)));
    std::cout << out;
}

ExitCode status(const Options& o, Metrics& metrics) {
    Report rep;
    const int64_t now = now_epoch_seconds();
    auto redis = check_redis(o, rep);
    check_policy(o, redis ? &*redis : nullptr, rep, now);
    auto bus = systemd::Bus::open_manager();
    if (bus) bus->set_call_timeout(k_bus_timeout_ms);
    check_timers(bus ? &*bus : nullptr, bus ? "" : bus.error().message, rep, now);
    check_alerts(redis ? &*redis : nullptr, rep, now);
    check_ess(bus ? &*bus : nullptr, rep);
    check_log(o, {"audit log", "audit_log", o.audit_log, "audit-log", "quantum_audit", "quantum_audit_chain_ok", true},
              rep, now);
    check_log(o, {"ledger", "ledger", o.ledger, "ops-ledger-append", "quantum_ledger", "", false}, rep, now);

    const Health worst = rep.worst();
    const ExitCode code = exit_code(worst);
    std::string problems;
    json checks = json::array();
    for (const auto& r : rep.rows) {
        checks.push_back({{"check", r.check}, {"health", health_word(r.health)}, {"detail", r.summary}});
        if (r.health != Health::ok) problems += (problems.empty() ? "" : ",") + r.check;
    }
    rep.j["checks"] = checks;
    rep.j["status"] = verdict(worst);
    rep.j["exit_code"] = to_int(code);
    rep.j["checked_at_epoch"] = now;
    if (o.json)
        std::cout << rep.j.dump() << "\n";
    else
        print_table(rep, worst);
    metrics.gauge("quantum_status_exit_code", "quantum-status's verdict as its exit code.", to_int(code));
    // The verdict as a journal event when run by a unit (a monitoring timer, a login
    // check); on a terminal the table already ends with it.
    if (log::stderr_is_journal())
        log::event(worst == Health::ok ? log::Level::ok : log::Level::warn, ids::status_report,
                   {{"QUANTUM_STATUS", std::string(verdict(worst))},
                    {"QUANTUM_EXIT_CODE", to_int(code)},
                    {"QUANTUM_STATUS_PROBLEMS", problems.empty() ? std::string("none") : problems}},
                   "Status: {}{}", verdict(worst), problems.empty() ? "" : " (" + problems + ")");
    return code;
}

constexpr const char* k_footer = R"(
One look at the desk's guard rails, read only:
  redis           PING
  policy          quantum:policy:current through policy-show's fail-closed checks
                  (version, seq, signer, expires in); the accepted seq is compared, not recorded
  timer ...       each quantum-*.timer over D-Bus: active, last run and its result, next run
  alerts 24h      quantum:stream:alerts entries of the last 24 h, by alert_type
  emergency stop  the latch and each guarded unit, judged now as emergency-stop status does
  audit log       <log>.checkpoint (origin, size; signature with QUANTUM_VERIFIER_KEYS) and
                  the last verification in the metrics dir (audit-log.prom)
  ledger          the same for --ledger (ops-ledger-append.prom)
Nothing is re-verified: run audit-log verify / ops-ledger-append --verify for that.
The worst row decides the exit code. The table is coloured on a terminal unless NO_COLOR
is set; --json prints every figure.

Environment:
  QUANTUM_POLICY_VERIFIER_KEYS  the policy's verifier keys (default /etc/quantum/policy-verifier-keys)
  QUANTUM_POLICY_STATE_DIR      the policy readers' state (default $STATE_DIRECTORY, else /var/lib/quantum)
  QT_AUDIT_LOG                  the audit log (default /var/log/quantum/audit.log)
  QUANTUM_LEDGER                the ops ledger (default: none on this host)
  QUANTUM_VERIFIER_KEYS         checkpoint verifier keys, one a line (default: signatures not checked)
  QUANTUM_ESS_LATCH, QUANTUM_ESS_UNITS, QUANTUM_ESS_CONF   as for emergency-stop
  NO_COLOR                      set and non-empty: no colour
)";

constexpr const char* k_status_exit_codes = R"(
Exit codes:
  0  healthy
  1  something needs a look (policy near expiry, a failed or inactive timer, exit-owner
     alerts in the last 24 h, a log without a checkpoint)
  2  usage error
  3  a dependency is unreachable (Redis; systemd)
  4  an integrity failure (no valid policy, a failed verification, a bad checkpoint) or a
     latched emergency stop
)";

} // namespace

int quantum_status_main(int argc, char** argv) {
    const ToolInfo info{"quantum-status", "QUANTUM-STATUS", "One look: are the desk's guard rails up?"};
    std::string metrics_dir;
    Options o;
    std::string redis_flag;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_redis_env_help + "\n" + k_status_exit_codes);
    app->add_flag("--json", o.json, "Print every figure as JSON");
    app->add_option("--redis", redis_flag, k_redis_flag_help);
    app->add_option("--verifier-keys", o.verifier_keys,
                    "Policy verifier keys file [env: QUANTUM_POLICY_VERIFIER_KEYS]");
    app->add_option("--state-dir", o.state_dir, "Policy readers' state directory [env: QUANTUM_POLICY_STATE_DIR]");
    app->add_option("--log", o.audit_log, "Audit log [env: QT_AUDIT_LOG, default /var/log/quantum/audit.log]");
    app->add_option("--ledger", o.ledger, "Ops ledger [env: QUANTUM_LEDGER]");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        o.redis_url = redis::url_from_env_or(redis_flag);
        o.redis_timeout = redis::timeout_from_env();
        o.metrics_dir = metrics_dir.empty() ? k_default_metrics_dir : metrics_dir;
        if (o.audit_log.empty()) o.audit_log = env_or("QT_AUDIT_LOG", k_default_audit_log);
        if (o.ledger.empty()) o.ledger = env_or("QUANTUM_LEDGER", "");
        o.checkpoint_keys = env_or("QUANTUM_VERIFIER_KEYS", "");
        return status(o, metrics);
    });
}

} // namespace qops::commands
