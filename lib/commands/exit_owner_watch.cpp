#include "commands/commands.hpp"

#include "base/env.hpp"
#include "base/host.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/notify.hpp"
#include "redis/client.hpp"
#include "systemd/timespan.hpp"
#include "systemd/unit.hpp"
#include "watch/alert.hpp"
#include "watch/checkpoint.hpp"
#include "watch/scanner.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

namespace qops::commands {
namespace {

using namespace watch;
using systemd::format_timespan;

constexpr const char* k_default_unit = "quantum-apply-layer.service";
constexpr const char* k_default_pattern = "DENY_NOT_EXIT_OWNER";
constexpr const char* k_default_state_dir = "/var/lib/quantum";
constexpr std::chrono::minutes k_default_window{5};
constexpr size_t k_default_samples = 3;
// More replicas than any deployment has: a typo, not a requirement.
constexpr long long k_max_min_replicas = 100;

struct WatchOptions {
    Source source;
    std::string unit = k_default_unit;
    std::string pattern = k_default_pattern;
    std::string message_id; // also match entries with this MESSAGE_ID
    std::string state_dir = k_default_state_dir;
    bool no_state = false;                                     // stateless: look back --window only
    std::chrono::microseconds window = k_default_window;       // first run, lost checkpoint, --no-state
    std::chrono::microseconds max_catch_up = k_default_window; // bound when the checkpoint is lost
    size_t samples = k_default_samples;
    bool json = false;
    std::string redis_url;
    std::chrono::milliseconds redis_timeout{2000};
    long long min_replicas = 0; // QUANTUM_REDIS_MIN_REPLICAS
};

std::string when(int64_t usec) {
    return iso8601_utc_micros(usec);
}

// How a source is named in log lines: its host name, else its machine id.
std::string source_label(const SourceScan& s) {
    if (!s.host.empty()) return text::escape(s.host);
    return s.machine_id.empty() ? std::string("the journal") : "machine " + s.machine_id;
}

// What the run looks for, for log lines.
std::string what(const WatchOptions& o) {
    if (o.message_id.empty()) return o.pattern;
    if (o.pattern.empty()) return "MESSAGE_ID=" + o.message_id;
    return o.pattern + " or MESSAGE_ID=" + o.message_id;
}

// Where the scan starts and what it may resume from.
struct Plan {
    std::optional<Checkpoint> checkpoint;
    ScanRequest request;
    bool checkpoint_corrupt = false;
};

Plan make_plan(const WatchOptions& o, const std::string& unit, int64_t now_usec) {
    Plan plan;
    plan.request.unit = unit;
    plan.request.pattern = o.pattern;
    plan.request.message_id = o.message_id;
    plan.request.max_samples = o.samples;
    const int64_t window_start = now_usec - o.window.count();
    plan.request.new_source_usec = window_start;
    plan.request.catch_up_floor_usec = now_usec - o.max_catch_up.count();
    if (o.no_state) return plan;
    // Which machines each archived file of a fleet directory holds, kept beside the checkpoint.
    if (!o.source.directory.empty()) plan.request.listing_cache = o.state_dir + "/exit-owner-watch.journal-files.json";

    const std::string path = checkpoint_path(o.state_dir, unit);
    auto loaded = load_checkpoint(path, unit);
    if (!loaded) {
        if (loaded.error().code != ExitCode::integrity) throw Failure(loaded.error());
        log::warn("{}; starting at now - {} ({}) and replacing it", loaded.error().message, format_timespan(o.window),
                  when(window_start));
        plan.checkpoint_corrupt = true;
        return plan;
    }
    plan.checkpoint = std::move(*loaded);
    if (!plan.checkpoint) {
        log::warn("No checkpoint in {} (first run): starting at now - {} ({})", path, format_timespan(o.window),
                  when(window_start));
        return plan;
    }
    const Checkpoint& cp = *plan.checkpoint;
    plan.request.positions = cp.sources;
    plan.request.legacy_cursor = cp.legacy_cursor;
    plan.request.legacy_realtime_usec = cp.legacy_realtime_usec;
    // A source that appears later (a host joining the fleet) is read from its start, but
    // no further back than --max-catch-up, or than the previous run if that is older.
    plan.request.new_source_usec = plan.request.catch_up_floor_usec;
    if (cp.scanned_usec > 0) plan.request.new_source_usec = std::min(plan.request.new_source_usec, cp.scanned_usec);
    if (!cp.legacy_cursor.empty() || cp.legacy_realtime_usec != 0)
        log::info("Checkpoint {} has one cursor for the whole journal (format 1): it is rewritten with one position "
                  "per journal source",
                  path);
    return plan;
}

// One source's result as the run judges it.
struct SourceReport {
    const SourceScan* scan = nullptr;
    bool gap = false;       // events of this source may have been lost or not examined
    int64_t start_usec = 0; // where the span this run covers for it begins
};

// A WARN that events of source may have been missed or not examined.
void warn_gap(const std::string& source, const std::string& message) {
    log::event(log::Level::warn, ids::exit_owner_gap, {{"QUANTUM_SOURCE", source}}, "{}", message);
}

// Decides whether the source has a gap and since when this run covers it, with a WARN
// for everything that may have cost events.
SourceReport assess(const WatchOptions& o, const Plan& plan, const SourceScan& s) {
    SourceReport rep{&s, plan.checkpoint_corrupt, s.since_usec};
    const std::string label = source_label(s);
    const SourcePosition& prev = s.previous;
    // The previous run saw every entry of the source up to its newest one then; only
    // what came after can have been lost.
    const int64_t seen_until = std::max(prev.seen_usec, prev.realtime_usec);
    switch (s.resume) {
    case Resume::cursor:
    case Resume::time:
        rep.start_usec = plan.checkpoint ? std::max({plan.checkpoint->scanned_usec, prev.realtime_usec, s.since_usec})
                                         : s.since_usec;
        break;
    case Resume::lost:
        log::warn("Checkpoint cursor of {} ({}) is no longer in the journal (rotated or vacuumed): resuming at {}",
                  label, when(prev.realtime_usec), when(s.since_usec));
        if (s.since_usec > seen_until + 1 && s.skipped_older) {
            rep.gap = true;
            warn_gap(label, fmt::format("Entries of {} between {} and {} were not examined (--max-catch-up {}): "
                                        "events may have been missed",
                                        label, when(seen_until), when(s.since_usec), format_timespan(o.max_catch_up)));
        }
        if (s.oldest_usec > seen_until) {
            rep.gap = true;
            warn_gap(label, fmt::format("The oldest entry of {} ({}) is newer than the previous run saw ({}): "
                                        "events may have been rotated away",
                                        label, when(s.oldest_usec), when(seen_until)));
        }
        break;
    case Resume::new_source:
        if (!plan.checkpoint) break; // first run: the look-back is the contract
        log::info("New journal source {} (machine {}): reading from {}", label,
                  s.machine_id.empty() ? "-" : s.machine_id, when(s.since_usec));
        if (s.skipped_older) {
            rep.gap = true;
            warn_gap(label, fmt::format("Entries of new source {} before {} were not examined (--max-catch-up {}): "
                                        "events may have been missed",
                                        label, when(s.since_usec), format_timespan(o.max_catch_up)));
        }
        break;
    }
    if (s.unreadable > 0) {
        rep.gap = true;
        warn_gap(label, fmt::format("{} journal entries of {} could not be read (corrupt, or written by a newer "
                                    "systemd): not examined, reported in the alert as unreadable",
                                    s.unreadable, label));
    }
    return rep;
}

std::string span_since(int64_t now_usec, int64_t start_usec) {
    return format_timespan(std::chrono::microseconds(std::max<int64_t>(0, now_usec - start_usec)));
}

struct RaisedAlert {
    std::string id;
    std::string dedup_key;
    std::string machine_id;
};

// Raises the run's alerts: FAIL lines, then one XADD per source with matches or
// unreadable entries, then (QUANTUM_REDIS_MIN_REPLICAS) a WAIT for the replicas. Throws
// Failure (unavailable) when an alert is not stored or not replicated: the caller must
// then leave the checkpoint where it was, so the same alerts go again next run.
std::vector<RaisedAlert> raise_alerts(const WatchOptions& o, const std::vector<SourceReport>& reports,
                                      const AlertContext& base, int64_t now_usec) {
    std::vector<std::pair<Fields, RaisedAlert>> pending;
    for (const auto& rep : reports) {
        const SourceScan& s = *rep.scan;
        if (!needs_alert(s)) continue;
        AlertContext ctx = base;
        ctx.window = span_since(now_usec, rep.start_usec);
        ctx.gap = rep.gap;
        if (s.matched > 0) {
            log::event(log::Level::fail, ids::exit_owner_violation,
                       {{"QUANTUM_DENY_COUNT", s.matched},
                        {"QUANTUM_UNIT", base.unit},
                        {"QUANTUM_SOURCE", source_label(s)},
                        {"QUANTUM_WINDOW", ctx.window},
                        {"QUANTUM_UNREADABLE", s.unreadable}},
                       "{} {} event(s) from {} in the last {} on {} (first {}, last {})", s.matched, what(o), base.unit,
                       ctx.window, source_label(s), when(s.first_usec), when(s.last_usec));
            for (size_t i = 0; i < s.samples.size(); ++i)
                log::fail("Sample {}/{}: {} {}: {}", i + 1, s.matched, when(s.samples[i].realtime_usec),
                          s.samples[i].hostname.empty() ? "-" : s.samples[i].hostname, s.samples[i].message);
        } else {
            log::event(log::Level::fail, ids::exit_owner_violation,
                       {{"QUANTUM_DENY_COUNT", 0},
                        {"QUANTUM_UNIT", base.unit},
                        {"QUANTUM_SOURCE", source_label(s)},
                        {"QUANTUM_UNREADABLE", s.unreadable}},
                       "{} entries from {} on {} could not be read: they may hold {} events", s.unreadable, base.unit,
                       source_label(s), what(o));
        }
        pending.emplace_back(alert_fields(s, ctx), RaisedAlert{{}, source_dedup_key(base.unit, s), s.machine_id});
    }
    if (pending.empty()) return {};

    const auto not_stored = [&](const std::string& why) {
        return Failure(ExitCode::unavailable,
                       fmt::format("alert not stored in {}: {}; checkpoint not moved, these events are alerted again "
                                   "on the next run with the same dedup_key",
                                   k_alerts_stream, why));
    };
    auto redis = redis::connect_url(o.redis_url, {o.redis_timeout, "exit-owner-watch"});
    if (!redis) throw not_stored(redis.error().message);
    std::vector<RaisedAlert> raised;
    for (auto& [fields, alert] : pending) {
        auto stored = publish_alert(*redis, fields);
        if (!stored) throw not_stored(stored.error().message);
        alert.id = *stored;
        raised.push_back(alert);
    }
    if (o.min_replicas > 0) {
        // Half the command timeout, so the reply arrives before the socket gives up.
        const auto wait_timeout = std::max(std::chrono::milliseconds(1), o.redis_timeout / 2);
        auto acks = redis::wait_for_replicas(*redis, o.min_replicas, wait_timeout);
        if (!acks) throw not_stored(fmt::format("WAIT for {} replica(s): {}", o.min_replicas, acks.error().message));
        if (*acks < o.min_replicas)
            throw not_stored(fmt::format("on the master only: {} of {} replica(s) acknowledged within {} ms "
                                         "(QUANTUM_REDIS_MIN_REPLICAS)",
                                         *acks, o.min_replicas, wait_timeout.count()));
    }
    for (const auto& a : raised)
        log::event(log::Level::info, ids::exit_owner_alert_stored,
                   {{"QUANTUM_ALERT_ID", a.id}, {"QUANTUM_DEDUP_KEY", a.dedup_key}},
                   "Alert {} stored in {} (dedup_key {})", a.id, k_alerts_stream, a.dedup_key);
    // Durable now: each alert is also told to a person, once, keyed by its dedup_key.
    for (const auto& [fields, alert] : pending)
        notify::queue_alert(o.state_dir, fields);
    return raised;
}

// The checkpoint after this run: each source at the last entry of the unit examined,
// at its previous cursor when nothing new came, or (nothing of the unit seen) at where
// this run started, so the next one examines everything written since without a WARN.
Checkpoint next_checkpoint(const std::string& unit, const ScanResult& r, int64_t now_usec) {
    Checkpoint cp;
    cp.unit = unit;
    cp.scanned_usec = now_usec;
    for (const auto& s : r.sources) {
        SourcePosition p{s.machine_id, text::escape(s.host), {}, s.since_usec, s.newest_usec};
        if (!s.end_cursor.empty()) {
            p.cursor = s.end_cursor;
            p.realtime_usec = s.end_usec;
        } else if (s.resume == Resume::cursor) {
            p.cursor = s.previous.cursor;
            p.realtime_usec = s.previous.realtime_usec;
        }
        cp.sources.push_back(std::move(p));
    }
    // Sources gone from the journal keep their place: a host whose files come back is
    // resumed, not read afresh.
    cp.sources.insert(cp.sources.end(), r.absent.begin(), r.absent.end());
    return cp;
}

// Where a first run (or one after a corrupt checkpoint) started, kept before any alert
// is sent: if the alert is not stored, the next run reads the same entries again
// instead of a window that has moved on, and so sends them with the same dedup_key.
Checkpoint start_checkpoint(const std::string& unit, const ScanResult& r) {
    Checkpoint cp;
    cp.unit = unit;
    for (const auto& s : r.sources)
        cp.sources.push_back({s.machine_id, text::escape(s.host), {}, s.since_usec, 0});
    return cp;
}

ExitCode watch_journal(const WatchOptions& o, Metrics& metrics) {
    const std::string unit = systemd::unit_name(o.unit);
    const int64_t now_usec = now_epoch_micros();
    const std::string source_name = o.source.directory.empty() ? "local" : o.source.directory;
    const std::string cp_path = checkpoint_path(o.state_dir, unit);
    std::optional<FileLock> lock;
    if (!o.no_state) {
        lock = value_or_throw(try_lock_checkpoint(cp_path));
        if (!lock) {
            log::info("Another exit-owner-watch run for {} holds the checkpoint, skipping", unit);
            return ExitCode::ok;
        }
    }
    Plan plan = make_plan(o, unit, now_usec);

    auto scanned = scan(o.source, plan.request);
    if (!scanned) throw Failure(scanned.error());
    const ScanResult& r = *scanned;

    std::vector<SourceReport> reports;
    uint64_t examined = 0;
    uint64_t matched = 0;
    uint64_t unreadable = 0;
    bool gap = plan.checkpoint_corrupt;
    int64_t first_usec = 0;
    int64_t last_usec = 0;
    // The run's span begins where its earliest source began (the look-back when none).
    int64_t start_usec = r.sources.empty() ? plan.request.new_source_usec : now_usec;
    bool any_alert = false;
    for (const auto& s : r.sources) {
        reports.push_back(assess(o, plan, s));
        examined += s.examined;
        matched += s.matched;
        unreadable += s.unreadable;
        gap = gap || reports.back().gap;
        any_alert = any_alert || needs_alert(s);
        start_usec = std::min(start_usec, reports.back().start_usec);
        if (s.matched > 0) {
            first_usec = first_usec == 0 ? s.first_usec : std::min(first_usec, s.first_usec);
            last_usec = std::max(last_usec, s.last_usec);
        }
    }
    if (r.listing_errors > 0) {
        gap = true;
        log::warn("{} journal objects could not be read while listing the journal's sources (a corrupt file): a "
                  "host's entries may not have been examined",
                  r.listing_errors);
    }
    metrics.gauge("quantum_exit_owner_deny_count", "Pattern matches found by the last run.",
                  static_cast<double>(matched));
    metrics.gauge("quantum_exit_owner_entries_examined", "Journal entries of the unit read by the last run.",
                  static_cast<double>(examined));
    metrics.gauge("quantum_exit_owner_unreadable", "Journal entries the last run could not read.",
                  static_cast<double>(unreadable));
    metrics.gauge("quantum_exit_owner_sources", "Journal sources (machines) the last run read.",
                  static_cast<double>(r.sources.size()));
    metrics.gauge("quantum_exit_owner_gap", "1 when the last run found that events may have been lost.", gap ? 1 : 0);

    if (any_alert && !o.no_state && !plan.checkpoint) {
        auto saved = save_checkpoint(cp_path, start_checkpoint(unit, r));
        if (!saved)
            throw Failure(ExitCode::unavailable,
                          saved.error().message + "; no alert sent without a checkpoint to record it");
    }

    const AlertContext base{
        unit, {}, o.no_state ? "window" : "checkpoint", source_name, hostname(), now_usec / 1'000'000, false};
    const std::vector<RaisedAlert> raised = raise_alerts(o, reports, base, now_usec);
    if (!any_alert) {
        if (examined == 0)
            log::event(log::Level::info, ids::exit_owner_clean,
                       {{"QUANTUM_DENY_COUNT", 0}, {"QUANTUM_EXAMINED", 0}, {"QUANTUM_UNIT", unit}},
                       "No entries from {} since {}, nothing to check", unit, when(start_usec));
        else
            log::event(log::Level::ok, ids::exit_owner_clean,
                       {{"QUANTUM_DENY_COUNT", 0}, {"QUANTUM_EXAMINED", examined}, {"QUANTUM_UNIT", unit}},
                       "No {} in {} entries from {} ({} source(s)) since {}", what(o), examined, unit, r.sources.size(),
                       when(start_usec));
    }

    if (!o.no_state) {
        // Written on every run (its scan time tells the next run what it saw), but only
        // now that every alert is stored.
        auto saved = save_checkpoint(cp_path, next_checkpoint(unit, r, now_usec));
        if (!saved)
            throw Failure(ExitCode::unavailable,
                          saved.error().message + (raised.empty() ? std::string()
                                                                  : "; the alerts were stored and will be sent "
                                                                    "again on the next run with the same "
                                                                    "dedup_key"));
    }

    if (o.json) {
        nlohmann::json samples = nlohmann::json::array();
        nlohmann::json sources = nlohmann::json::array();
        for (const auto& rep : reports) {
            const SourceScan& s = *rep.scan;
            for (const auto& smp : s.samples)
                samples.push_back({{"ts", when(smp.realtime_usec)},
                                   {"host", text::escape(smp.hostname)},
                                   {"message", text::escape(smp.message)}});
            sources.push_back(
                {{"machine_id", s.machine_id},
                 {"host", text::escape(s.host)},
                 {"since", when(rep.start_usec)},
                 {"examined", s.examined},
                 {"deny_count", s.matched},
                 {"unreadable", s.unreadable},
                 {"gap", rep.gap},
                 {"cursor", s.end_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.end_cursor)}});
        }
        nlohmann::json alerts = nlohmann::json::array();
        for (const auto& a : raised)
            alerts.push_back({{"id", a.id}, {"dedup_key", a.dedup_key}, {"machine_id", a.machine_id}});
        std::cout << nlohmann::json{{"unit", unit},
                                    {"pattern", text::escape(o.pattern)},
                                    {"message_id", o.message_id},
                                    {"mode", o.no_state ? "window" : "checkpoint"},
                                    {"source", source_name},
                                    {"window", span_since(now_usec, start_usec)},
                                    {"since", when(start_usec)},
                                    {"examined", examined},
                                    {"deny_count", matched},
                                    {"unreadable", unreadable},
                                    {"first_ts", matched > 0 ? nlohmann::json(when(first_usec)) : nullptr},
                                    {"last_ts", matched > 0 ? nlohmann::json(when(last_usec)) : nullptr},
                                    {"samples", samples},
                                    {"gap", gap},
                                    {"alert_id",
                                     raised.empty() ? nlohmann::json(nullptr) : nlohmann::json(raised.front().id)},
                                    {"dedup_key", raised.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(raised.front().dedup_key)},
                                    {"alerts", alerts},
                                    {"sources", sources}}
                         .dump()
                  << "\n";
    }
    // After the checkpoint: a notice queued above is delivered (or retried) only now, and a
    // dead webhook or relay never delays what came before.
    notify::deliver(o.state_dir, "exit-owner-watch");
    return raised.empty() ? ExitCode::ok : ExitCode::reported;
}

constexpr const char* k_footer = R"(
Reads the journal entries of --unit (matched as journalctl -u does) through sd-journal,
from the local journal or from --journal-dir, and counts those whose MESSAGE contains
--pattern (or, with --message-id, whose MESSAGE_ID is ID; with both, either). Each
journal source (machine, by _MACHINE_ID) is read on its own: by default from just after
its cursor in --state-dir/exit-owner-watch.<unit>.json, so every event is counted exactly
once whatever the timer's jitter, and a host whose entries are uploaded late is still
read. With no checkpoint (first run) it looks back --window; a source the checkpoint does
not know (a host joining) is read from its start, at most --max-catch-up (default:
--window) back; a source whose cursor the journal lost (rotated, vacuumed) resumes just
after the cursor's time, at most --max-catch-up back; each says so in a WARN or INFO.
--no-state looks back --window and keeps no checkpoint (the original stateless check).

For each source with events: FAIL lines with up to --samples examples and one XADD to
quantum:stream:alerts (alert_type=EXIT_OWNER_VIOLATION, deny_count, window, timestamp,
host (the watch's), first_ts, last_ts, sample, samples, unit, mode, source, source_host,
machine_id, unreadable, gap, first_cursor, last_cursor, dedup_key); exit 1. Entries that
cannot be read are counted in unreadable, set gap=1 and raise the alert too (exit 1).
The checkpoint moves only after every alert is stored (and, with
QUANTUM_REDIS_MIN_REPLICAS=N, acknowledged by N replicas): otherwise the run exits 3 and
the next run sends the same alerts with the same dedup_key. gap=1 (and a WARN) means
events of that source may have been rotated away or skipped.

Spans (--window, --max-catch-up) are systemd-style: 300s, 5min, 1h 30min, 2d.

Environment:
  STATE_DIRECTORY              default for --state-dir (set by systemd's StateDirectory=)
  QUANTUM_REDIS_MIN_REPLICAS   replicas that must acknowledge the alerts (WAIT; default 0)
)";

// QUANTUM_REDIS_MIN_REPLICAS: 0 when unset. Throws a usage error when not a count.
long long min_replicas_from_env() {
    const auto text = env("QUANTUM_REDIS_MIN_REPLICAS");
    if (!text) return 0;
    long long n = -1;
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc() || ptr != text->data() + text->size() || n < 0 || n > k_max_min_replicas)
        throw Failure(usage_error(
            fmt::format("QUANTUM_REDIS_MIN_REPLICAS={}: not a replica count from 0 to {}", *text, k_max_min_replicas)));
    return n;
}

// CLI11 validator for a systemd-style span, with the one-line usage error.
CLI::Validator span_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto span = systemd::parse_timespan(text);
            return span ? std::string() : span.error().message;
        },
        "SPAN");
}

} // namespace

int exit_owner_watch_main(int argc, char** argv) {
    const ToolInfo info{"exit-owner-watch", "EXIT-OWNER-WATCH",
                        "Alert on DENY_NOT_EXIT_OWNER entries in the apply layer's journal."};
    std::string metrics_dir;
    WatchOptions options;
    options.state_dir = state_directory(k_default_state_dir);
    std::string redis_flag;
    std::string window_text = "5min";
    std::string max_catch_up_text;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_redis_env_help + "\n" + k_exit_codes_help);
    app->add_option("--unit", options.unit, "Unit whose entries are read (.service may be left off)")
        ->capture_default_str();
    app->add_option("--pattern", options.pattern, "Bytes searched in MESSAGE")
        ->capture_default_str()
        ->check(CLI::Validator([](std::string& p) { return p.empty() ? "must not be empty" : ""; }, "TEXT"));
    auto* message_id =
        app->add_option("--message-id", options.message_id,
                        "Also count entries whose MESSAGE_ID is ID (32 hex digits); without --pattern, only these")
            ->check(CLI::Validator(
                [](std::string& id) {
                    const bool hex = id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
                    return hex ? std::string() : std::string("must be 32 lowercase hex digits");
                },
                "ID"));
    app->add_option("--journal-dir", options.source.directory,
                    "Read the journal files in DIR instead of the local journal")
        ->check(CLI::ExistingDirectory);
    app->add_option("--state-dir", options.state_dir, "Where the checkpoint is kept [env: STATE_DIRECTORY]")
        ->capture_default_str();
    app->add_option("--window", window_text,
                    "Look-back on the first run (or after a corrupt checkpoint), or with --no-state")
        ->capture_default_str()
        ->check(span_validator());
    auto* no_state =
        app->add_flag("--no-state", options.no_state, "Stateless: examine the last --window only, keep no checkpoint");
    app->add_option("--max-catch-up", max_catch_up_text,
                    "A source whose cursor is lost, or a new source, is read at most this far back [default: --window]")
        ->check(span_validator())
        ->excludes(no_state);
    app->add_option("--samples", options.samples, "Sample events shown and sent with the alert")
        ->capture_default_str()
        ->check(CLI::Range(0, 100));
    app->add_flag("--json", options.json, "Print the result as JSON on stdout");
    app->add_option("--redis", redis_flag, k_redis_flag_help);
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        options.window = value_or_throw(systemd::parse_timespan(window_text));
        options.max_catch_up =
            max_catch_up_text.empty() ? options.window : value_or_throw(systemd::parse_timespan(max_catch_up_text));
        options.redis_url = redis::url_from_env_or(redis_flag);
        options.redis_timeout = redis::timeout_from_env();
        options.min_replicas = min_replicas_from_env();
        if (message_id->count() > 0 && app->count("--pattern") == 0) options.pattern.clear();
        return watch_journal(options, metrics);
    });
}

} // namespace qops::commands
