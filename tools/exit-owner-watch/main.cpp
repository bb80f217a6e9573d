// exit-owner-watch: alert once for every DENY_NOT_EXIT_OWNER the apply layer logs.

#include "journal/jobs.hpp"
#include "journal/timespan.hpp"
#include "redis/client.hpp"
#include "util/cli.hpp"

#include <iostream>

namespace {

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

// CLI11 validator turning a span into its parsed value, with the one-line usage error.
CLI::Validator span_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            auto span = qops::journal::parse_timespan(text);
            return span ? std::string() : span.error().message;
        },
        "SPAN");
}

} // namespace

int main(int argc, char** argv) {
    namespace journal = qops::journal;
    const qops::ToolInfo info{"exit-owner-watch", "EXIT-OWNER-WATCH",
                              "Alert on DENY_NOT_EXIT_OWNER entries in the apply layer's journal."};
    qops::CommonOptions common;
    journal::WatchOptions options;
    options.state_dir = qops::env_or("STATE_DIRECTORY", journal::k_default_state_dir);
    // $STATE_DIRECTORY may list several directories separated by ':'; the first is ours.
    options.state_dir = options.state_dir.substr(0, options.state_dir.find(':'));
    std::string redis_flag;
    std::string window_text = "5min";
    std::string max_catch_up_text;
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_redis_env_help + "\n" + qops::k_exit_codes_help);
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
    app->add_option("--redis", redis_flag, "Redis URL [env: QUANTUM_REDIS_URL, default redis://127.0.0.1:6379/0]");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;

    options.window = journal::parse_timespan(window_text).value();
    options.max_catch_up =
        max_catch_up_text.empty() ? options.window : journal::parse_timespan(max_catch_up_text).value();
    options.redis_url = qops::redis::url_from_env_or(redis_flag);
    options.redis_timeout = qops::redis::timeout_from_env();
    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] { return journal::run_watch(options, metrics); });
}
