#include "commands/notify.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace qops::commands::notify;

TEST_CASE("notify: an exit-owner alert names host, unit, count, times, samples and the runbook") {
    const watch::Fields fields{
        {"alert_type", "EXIT_OWNER_VIOLATION"},
        {"deny_count", "4"},
        {"window", "5min"},
        {"host", "watch-1"},
        {"first_ts", "2026-12-02T07:00:00.000001Z"},
        {"last_ts", "2026-12-02T07:04:00.000001Z"},
        {"samples", R"([{"ts":"2026-12-02T07:00:00.000001Z","host":"apply-1","message":"DENY_NOT_EXIT_OWNER a\\nb"}])"},
        {"unit", "quantum-apply-layer.service"},
        {"gap", "1"},
        {"dedup_key", "quantum-apply-layer.service:abc:1-4"},
    };
    const Notice n = exit_owner_notice(fields);
    CHECK(n.key == "quantum-apply-layer.service:abc:1-4");
    CHECK(n.subject == "[quantum-ops] EXIT_OWNER_VIOLATION on watch-1: 4 event(s) from quantum-apply-layer.service");
    for (const auto* part : {"Host: watch-1\n", "Unit: quantum-apply-layer.service\n", "Count: 4 in the last 5min\n",
                             "First: 2026-12-02T07:00:00.000001Z\n", "Last: 2026-12-02T07:04:00.000001Z\n",
                             "  2026-12-02T07:00:00.000001Z apply-1: DENY_NOT_EXIT_OWNER a\\nb\n",
                             "Gap: ", "Runbook: /usr/share/doc/quantum-ops/runbooks/exit-owner-watch.md\n"})
        CHECK_THAT(n.text, Catch::Contains(part));
}

TEST_CASE("notify: a trip and its failed enforcement are two notices") {
    EssEvent e;
    e.host = "desk-1";
    e.reason = "runaway\norders";
    e.who = "alice";
    e.when = "2026-12-02T07:00:00.000001Z";
    e.units = {"a.service", "b.service"};
    e.stopped = e.units;
    const Notice ok = ess_notice(e);
    CHECK(ok.key == "ESS_TRIPPED:desk-1:2026-12-02T07:00:00.000001Z");
    CHECK_THAT(ok.subject, Catch::Contains("EMERGENCY STOP on desk-1: 2 unit(s) stopped"));
    CHECK_THAT(ok.text, Catch::Contains("Reason: runaway\\norders\n")); // one line, escaped
    CHECK_THAT(ok.text, Catch::Contains("Runbook: /usr/share/doc/quantum-ops/runbooks/emergency-stop.md"));

    e.stopped = {"a.service"};
    e.still_running = {"b.service"};
    const Notice failed = ess_notice(e);
    CHECK(failed.key != ok.key);
    CHECK_THAT(failed.subject, Catch::Contains("NOT ENFORCED"));
    CHECK_THAT(failed.text, Catch::Contains("Still running: b.service\n"));
}
