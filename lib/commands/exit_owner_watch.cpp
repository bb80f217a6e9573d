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

struct WatchOptions {
    Source source;
    std::string unit = k_default_unit;
    std::string pattern = k_default_pattern;
    std::string state_dir = k_default_state_dir;
    bool no_state = false;                                     // stateless: look back --window only
    std::chrono::microseconds window = k_default_window;       // first run, lost checkpoint, --no-state
    std::chrono::microseconds max_catch_up = k_default_window; // bound when the checkpoint is lost
    size_t samples = k_default_samples;
    bool json = false;
    std::string redis_url;
    std::chrono::milliseconds redis_timeout{2000};
};

std::string when(int64_t usec) {
    return iso8601_utc_micros(usec);
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
    plan.request.max_samples = o.samples;
    const int64_t window_start = now_usec - o.window.count();
    plan.request.since_usec = window_start;
    if (o.no_state) return plan;

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
    if (cp.cursor.empty()) {
        // No entry of the unit was seen yet: everything since then is new.
        plan.request.since_usec = cp.realtime_usec;
    } else {
        plan.request.after_cursor = cp.cursor;
        // Used only if the journal lost the cursor: resume just after the checkpoint's
        // time, but never further back than --max-catch-up.
        plan.request.since_usec = std::max(cp.realtime_usec + 1, now_usec - o.max_catch_up.count());
    }
    return plan;
}

ExitCode watch_journal(const WatchOptions& o, Metrics& metrics) {
    const std::string unit = systemd::unit_name(o.unit);
    const int64_t now_usec = now_epoch_micros();
    const std::string source_name = o.source.directory.empty() ? "local" : o.source.directory;
    std::optional<FileLock> lock;
    if (!o.no_state) {
        lock = value_or_throw(try_lock_checkpoint(checkpoint_path(o.state_dir, unit)));
        if (!lock) {
            log::info("Another exit-owner-watch run for {} holds the checkpoint, skipping", unit);
            return ExitCode::ok;
        }
    }
    Plan plan = make_plan(o, unit, now_usec);
    const ScanRequest& req = plan.request;

    auto scanned = scan(o.source, req);
    if (!scanned) throw Failure(scanned.error());
    const ScanResult& r = *scanned;

    // Where the examined range began, and whether events may have been lost before it.
    // The previous run saw every entry up to its scan time, so only what was written
    // after it can have been lost: a journal whose oldest entry is newer than that
    // scan, or a catch-up bound that starts after it.
    int64_t start_usec = req.since_usec;
    bool gap = plan.checkpoint_corrupt;
    if (plan.checkpoint) {
        const Checkpoint& cp = *plan.checkpoint;
        const int64_t seen_until = std::max(cp.scanned_usec, cp.realtime_usec);
        const bool lost = !cp.cursor.empty() && !r.cursor_found;
        // The alert's window is what this run covers: since the previous one looked.
        start_usec = lost ? req.since_usec : seen_until;
        if (lost)
            log::warn("Checkpoint cursor ({}) is no longer in the journal (rotated or vacuumed): resuming at {}",
                      when(cp.realtime_usec), when(req.since_usec));
        if (lost && req.since_usec > seen_until) {
            gap = true;
            log::warn("Entries between {} and {} were not examined (--max-catch-up {}): events may have been missed",
                      when(seen_until), when(req.since_usec), format_timespan(o.max_catch_up));
        }
        if (r.cutoff_usec > seen_until) {
            gap = true;
            log::warn("The journal's oldest entry ({}) is newer than the previous run ({}): events may have been "
                      "rotated away",
                      when(r.cutoff_usec), when(seen_until));
        }
    }
    if (r.unreadable > 0)
        log::warn("{} journal entries could not be read (file rotated, vacuumed or corrupt), skipped", r.unreadable);

    const std::string window = format_timespan(std::chrono::microseconds(std::max<int64_t>(0, now_usec - start_usec)));
    metrics.gauge("quantum_exit_owner_deny_count", "Pattern matches found by the last run.",
                  static_cast<double>(r.matched));
    metrics.gauge("quantum_exit_owner_entries_examined", "Journal entries of the unit read by the last run.",
                  static_cast<double>(r.examined));
    metrics.gauge("quantum_exit_owner_gap", "1 when the last run found that events may have been lost.", gap ? 1 : 0);

    std::string alert_id;
    std::string key;
    if (r.matched > 0) {
        log::fail("{} {} event(s) from {} in the last {} (first {}, last {})", r.matched, o.pattern, unit, window,
                  when(r.first_usec), when(r.last_usec));
        for (size_t i = 0; i < r.samples.size(); ++i)
            log::fail("Sample {}/{}: {} {}: {}", i + 1, r.matched, when(r.samples[i].realtime_usec),
                      r.samples[i].hostname.empty() ? "-" : r.samples[i].hostname, r.samples[i].message);
        AlertContext ctx{
            unit, window, o.no_state ? "window" : "checkpoint", source_name, hostname(), now_usec / 1'000'000, gap};
        const Fields fields = alert_fields(r, ctx);
        key = dedup_key(unit, r.first_cursor, r.last_cursor);
        auto stored = [&]() -> Result<std::string> {
            auto redis = redis::connect_url(o.redis_url, {o.redis_timeout, "exit-owner-watch"});
            if (!redis) return redis.error();
            return publish_alert(*redis, fields);
        }();
        if (!stored)
            throw Failure(ExitCode::unavailable,
                          fmt::format("alert not stored in {}: {}; checkpoint not moved, these events are alerted "
                                      "again on the next run",
                                      k_alerts_stream, stored.error().message));
        alert_id = *stored;
        log::info("Alert {} stored in {} (dedup_key {})", alert_id, k_alerts_stream, key);
        notify::queue_alert(o.state_dir, fields);
    } else if (r.examined == 0) {
        log::info("No entries from {} since {}, nothing to check", unit, when(start_usec));
    } else {
        log::ok("No {} in {} entries from {} since {}", o.pattern, r.examined, unit, when(start_usec));
    }

    if (!o.no_state) {
        // Written on every run (its scan time tells the next run what it saw), but only
        // now that any alert is stored.
        Checkpoint next{{}, req.since_usec, unit, now_usec};
        if (!r.end_cursor.empty()) {
            next.cursor = r.end_cursor;
            next.realtime_usec = r.end_usec;
        } else if (plan.checkpoint && (r.cursor_found || plan.checkpoint->cursor.empty())) {
            next.cursor = plan.checkpoint->cursor;
            next.realtime_usec = plan.checkpoint->realtime_usec;
        }
        // Otherwise nothing of the unit was seen: remember where this run started, so
        // the next one examines everything written since and does not warn again.
        auto saved = save_checkpoint(checkpoint_path(o.state_dir, unit), next);
        if (!saved)
            throw Failure(ExitCode::unavailable,
                          saved.error().message + (alert_id.empty() ? std::string()
                                                                    : "; the alert was stored and will be sent "
                                                                      "again on the next run with the same "
                                                                      "first_cursor"));
    }

    if (o.json) {
        nlohmann::json samples = nlohmann::json::array();
        for (const auto& s : r.samples)
            samples.push_back({{"ts", when(s.realtime_usec)},
                               {"host", text::escape(s.hostname)},
                               {"message", text::escape(s.message)}});
        std::cout << nlohmann::json{{"unit", unit},
                                    {"pattern", text::escape(o.pattern)},
                                    {"mode", o.no_state ? "window" : "checkpoint"},
                                    {"source", source_name},
                                    {"window", window},
                                    {"since", when(start_usec)},
                                    {"examined", r.examined},
                                    {"deny_count", r.matched},
                                    {"unreadable", r.unreadable},
                                    {"first_ts", r.matched > 0 ? nlohmann::json(when(r.first_usec)) : nullptr},
                                    {"last_ts", r.matched > 0 ? nlohmann::json(when(r.last_usec)) : nullptr},
                                    {"samples", samples},
                                    {"gap", gap},
                                    {"alert_id", alert_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(alert_id)},
                                    {"dedup_key", key.empty() ? nlohmann::json(nullptr) : nlohmann::json(key)},
                                    {"cursor",
                                     r.end_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.end_cursor)}}
                         .dump()
                  << "\n";
    }
    notify::deliver(o.state_dir, "exit-owner-watch");
    return r.matched > 0 ? ExitCode::reported : ExitCode::ok;
}

constexpr const char* k_footer = R"(
Reads the journal entries of --unit (matched as journalctl -u does) through sd-journal,
from the local journal or from --journal-dir, and counts those whose MESSAGE contains
--pattern. By default it resumes after the cursor saved in
--state-dir/exit-owner-watch.<unit>.json by the previous run, so every event is counted
exactly once whatever the timer's jitter. With no checkpoint (first run) it looks back
--window; when the journal no longer holds the checkpoint (rotated, vacuumed) it resumes
just after the checkpoint's time, at most --max-catch-up (default: --window) back; both
say so in a WARN. --no-state looks back --window and keeps no
checkpoint (the original stateless check).

When events are found: FAIL lines with up to --samples examples, one XADD to
quantum:stream:alerts (alert_type=EXIT_OWNER_VIOLATION, deny_count, window, timestamp,
host, first_ts, last_ts, sample, samples, unit, mode, source, gap, first_cursor,
last_cursor, dedup_key) and exit 1. The checkpoint moves only after the alert is
stored: with Redis down the run exits 3 and the next run alerts the same events.
gap=1 (and a WARN) means events may have been rotated away or skipped.

Spans (--window, --max-catch-up) are systemd-style: 300s, 5min, 1h 30min, 2d.

Environment:
  STATE_DIRECTORY              default for --state-dir (set by systemd's StateDirectory=)
)";

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
    app->add_option("--journal-dir", options.source.directory,
                    "Read the journal files in DIR instead of the local journal")
        ->check(CLI::ExistingDirectory);
    app->add_option("--state-dir", options.state_dir, "Where the checkpoint is kept [env: STATE_DIRECTORY]")
        ->capture_default_str();
    app->add_option("--window", window_text, "Look-back on the first run, after a lost checkpoint, or with --no-state")
        ->capture_default_str()
        ->check(span_validator());
    auto* no_state =
        app->add_flag("--no-state", options.no_state, "Stateless: examine the last --window only, keep no checkpoint");
    app->add_option("--max-catch-up", max_catch_up_text,
                    "When the checkpoint is lost, look back at most this far [default: --window]")
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
        return watch_journal(options, metrics);
    });
}

} // namespace qops::commands
