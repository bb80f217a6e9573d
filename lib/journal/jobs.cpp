#include "journal/jobs.hpp"

#include "journal/alert.hpp"
#include "journal/checkpoint.hpp"
#include "journal/timespan.hpp"
#include "redis/client.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

namespace qops::journal {
namespace {

std::string hostname() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

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

} // namespace

ExitCode run_watch(const WatchOptions& o, JobMetrics& metrics) {
    const std::string unit = unit_name(o.unit);
    const int64_t now_usec = now_epoch_micros();
    const std::string source_name = o.source.directory.empty() ? "local" : o.source.directory;
    UniqueFd lock;
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
        log::fail("{} {} event(s) from {} in the last {} (first {}, last {})", r.matched, printable(o.pattern), unit,
                  window, when(r.first_usec), when(r.last_usec));
        for (size_t i = 0; i < r.samples.size(); ++i)
            log::fail("Sample {}/{}: {} {}: {}", i + 1, r.matched, when(r.samples[i].realtime_usec),
                      r.samples[i].hostname.empty() ? "-" : printable(r.samples[i].hostname),
                      printable(r.samples[i].message));
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
    } else if (r.examined == 0) {
        log::info("No entries from {} since {}, nothing to check", unit, when(start_usec));
    } else {
        log::ok("No {} in {} entries from {} since {}", printable(o.pattern), r.examined, unit, when(start_usec));
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
            samples.push_back(
                {{"ts", when(s.realtime_usec)}, {"host", printable(s.hostname)}, {"message", printable(s.message)}});
        std::cout << nlohmann::json{{"unit", unit},
                                    {"pattern", printable(o.pattern)},
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
    return r.matched > 0 ? ExitCode::reported : ExitCode::ok;
}

} // namespace qops::journal
