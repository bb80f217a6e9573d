// exit-owner-watch as a whole process, on real journal files and a real redis-server.

#include "support/journal_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "watch/alert.hpp"
#include "watch/checkpoint.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

using namespace qops;
using namespace qops::test;

namespace {

using Alert = std::map<std::string, std::string>;

struct Watch {
    TempDir journal;
    TempDir state;
    // Persistent, so alerts stored before a kill -9 are still there after the restart.
    RedisServer redis{RedisServerOptions{true, {}}};

    std::string checkpoint_file() const { return state.path() + "/exit-owner-watch.quantum-apply-layer.service.json"; }

    nlohmann::json checkpoint() const { return nlohmann::json::parse(slurp(checkpoint_file())); }

    // Makes the checkpoint look written by a run just after its entries, long ago.
    void backdate_checkpoint() const {
        auto cp = checkpoint();
        int64_t newest = 0;
        for (auto& s : cp["sources"]) {
            s["seen_usec"] = s["realtime_usec"].get<int64_t>();
            newest = std::max(newest, s["realtime_usec"].get<int64_t>());
        }
        cp["scanned_usec"] = newest + 1'000'000;
        state.write("exit-owner-watch.quantum-apply-layer.service.json", cp.dump());
    }

    RunResult run_watch(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) const {
        std::vector<std::string> argv{"exit-owner-watch", "--journal-dir", journal.path(), "--state-dir",
                                      state.path(),       "--redis",       redis.url(),    "--json"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        RunOptions o;
        o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "STATE_DIRECTORY", "QUANTUM_REDIS_MIN_REPLICAS"};
        for (const auto& [k, v] : env)
            o.env[k] = v;
        return run(argv, o);
    }

    std::vector<Alert> alerts() const {
        std::vector<Alert> out;
        auto entries = redis.cmd({"XRANGE", watch::k_alerts_stream, "-", "+"});
        for (size_t i = 0; i < entries.size(); ++i) {
            Alert a;
            auto f = entries.element(i).element(1);
            for (size_t k = 0; k + 1 < f.size(); k += 2)
                a[std::string(f.element(k).str())] = f.element(k + 1).str();
            out.push_back(std::move(a));
        }
        return out;
    }
};

nlohmann::json result_of(const RunResult& r) {
    INFO(r.err);
    REQUIRE_FALSE(r.out.empty());
    return nlohmann::json::parse(r.out);
}

} // namespace

TEST_CASE("exit-owner-watch: no entries for the unit is INFO and exit 0") {
    Watch w;
    SECTION("empty journal") {
        auto r = w.run_watch();
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("INFO: No entries from quantum-apply-layer.service") != std::string::npos);
    }
    SECTION("entries of other units only") {
        write_journal(w.journal.file("a.journal"),
                      {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER", "quantum-governor.service")});
        auto r = w.run_watch();
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(result_of(r)["examined"] == 0);
    }
    CHECK(w.alerts().empty());
    // The first run leaves a time-only checkpoint, so the next run does not warn again.
    auto again = w.run_watch();
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("WARN") == std::string::npos);
}

TEST_CASE("exit-owner-watch: --no-state counts the window's DENY lines, edges included") {
    Watch w;
    write_journal(w.journal.file("a.journal"),
                  {entry_at(-5 * k_usec_per_min - 30'000'000, "DENY_NOT_EXIT_OWNER before the window"),
                   entry_at(-4 * k_usec_per_min - 30'000'000, "DENY_NOT_EXIT_OWNER early"),
                   entry_at(-2 * k_usec_per_min, "order accepted"), entry_at(-5'000'000, "DENY_NOT_EXIT_OWNER late")});
    auto r = w.run_watch({"--no-state", "--window", "5min"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    auto j = result_of(r);
    CHECK(j["deny_count"] == 2);
    CHECK(j["examined"] == 3);
    CHECK(j["mode"] == "window");
    CHECK(r.err.find("FAIL: 2 DENY_NOT_EXIT_OWNER event(s) from quantum-apply-layer.service in the last 5min") !=
          std::string::npos);
    CHECK(r.err.find("FAIL: Sample 1/2: ") != std::string::npos);
    CHECK(r.err.find("apply-host-1: DENY_NOT_EXIT_OWNER early") != std::string::npos);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 1);
    const auto& a = alerts[0];
    CHECK(a.at("alert_type") == "EXIT_OWNER_VIOLATION");
    CHECK(a.at("deny_count") == "2");
    CHECK(a.at("window") == "5min");
    CHECK(std::abs(std::stoll(a.at("timestamp")) - now_epoch_seconds()) < 120);
    CHECK_FALSE(a.at("host").empty());
    CHECK(a.at("sample") == "DENY_NOT_EXIT_OWNER early");
    CHECK(a.at("first_ts") == j["first_ts"]);
    CHECK(a.at("last_ts") == j["last_ts"]);
    CHECK(a.at("gap") == "0");
    CHECK(a.at("dedup_key") == j["dedup_key"]);
    // Stateless: nothing kept.
    CHECK_FALSE(std::filesystem::exists(w.checkpoint_file()));

    // A wider window reaches the older line.
    auto wide = w.run_watch({"--no-state", "--window", "6min"});
    CHECK(result_of(wide)["deny_count"] == 3);
}

TEST_CASE("exit-owner-watch: two runs with new entries in between count each DENY once") {
    Watch w;
    const std::string file = w.journal.file("apply.journal");
    write_journal(file, {entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER one"),
                         entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER two")});
    auto first = w.run_watch();
    INFO(first.err);
    REQUIRE(first.exit_code == 1);
    CHECK(first.err.find("WARN: No checkpoint") != std::string::npos);
    CHECK(result_of(first)["deny_count"] == 2);

    auto quiet = w.run_watch();
    INFO(quiet.err);
    CHECK(quiet.exit_code == 0);
    CHECK(result_of(quiet)["examined"] == 0);
    CHECK(quiet.err.find("WARN") == std::string::npos);

    // New entries, one of them stamped before the checkpoint's time (a late writer).
    write_journal(
        file, {entry_at(-150'000'000, "DENY_NOT_EXIT_OWNER three (late)"), entry_at(-10'000'000, "order accepted")});
    auto second = w.run_watch();
    INFO(second.err);
    CHECK(second.exit_code == 1);
    auto j = result_of(second);
    CHECK(j["deny_count"] == 1);
    CHECK(j["examined"] == 2);

    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[0].at("deny_count") == "2");
    CHECK(alerts[1].at("deny_count") == "1");
    CHECK(alerts[1].at("sample") == "DENY_NOT_EXIT_OWNER three (late)");
    // The second alert covers the time since the previous run, not the 5min look-back.
    CHECK(alerts[0].at("window") == "5min");
    CHECK(alerts[1].at("window").find("min") == std::string::npos);
    CHECK(alerts[0].at("dedup_key") != alerts[1].at("dedup_key"));
}

TEST_CASE("exit-owner-watch: a checkpoint the journal no longer has is a WARN and a gap") {
    Watch w;
    write_journal(w.journal.file("old.journal"), {entry_at(-8 * k_usec_per_min, "DENY_NOT_EXIT_OWNER old")});
    auto first = w.run_watch({"--window", "10min"});
    REQUIRE(first.exit_code == 1);

    // As if that run had been 8 minutes ago, and since then the journal was rotated
    // and vacuumed: the old file is gone, the new one starts later.
    w.backdate_checkpoint();
    std::filesystem::remove(w.journal.file("old.journal"));
    write_journal(w.journal.file("new.journal"), {entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER new")});
    auto r = w.run_watch({"--window", "10min"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("WARN: Checkpoint cursor") != std::string::npos);
    CHECK(r.err.find("rotated away") != std::string::npos);
    auto j = result_of(r);
    CHECK(j["deny_count"] == 1);
    CHECK(j["gap"] == true);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[1].at("gap") == "1");
    CHECK(alerts[1].at("sample") == "DENY_NOT_EXIT_OWNER new");

    // The new checkpoint is in the journal: the next run is quiet and without WARN.
    auto next = w.run_watch({"--window", "10min"});
    CHECK(next.exit_code == 0);
    CHECK(next.err.find("WARN") == std::string::npos);
}

TEST_CASE("exit-owner-watch: catch-up after a lost checkpoint is bounded by --max-catch-up") {
    Watch w;
    write_journal(w.journal.file("old.journal"), {entry_at(-50 * k_usec_per_min, "order accepted")});
    REQUIRE(w.run_watch({"--window", "1h"}).exit_code == 0);
    w.backdate_checkpoint();
    std::filesystem::remove(w.journal.file("old.journal"));
    write_journal(w.journal.file("new.journal"), {entry_at(-40 * k_usec_per_min, "DENY_NOT_EXIT_OWNER too old"),
                                                  entry_at(-5 * k_usec_per_min, "DENY_NOT_EXIT_OWNER recent")});
    auto r = w.run_watch({"--window", "1h", "--max-catch-up", "10min"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    auto j = result_of(r);
    CHECK(j["deny_count"] == 1);
    CHECK(j["gap"] == true);
    CHECK(r.err.find("--max-catch-up 10min") != std::string::npos);
}

TEST_CASE("exit-owner-watch: a corrupt state file is replaced, with a WARN") {
    Watch w;
    w.state.write("exit-owner-watch.quantum-apply-layer.service.json", "{\"version\":1,\"cursor\":");
    write_journal(w.journal.file("a.journal"), {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER x")});
    auto r = w.run_watch();
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is unusable") != std::string::npos);
    CHECK(result_of(r)["gap"] == true);
    auto saved = w.checkpoint();
    CHECK(saved["version"] == 2);
    CHECK(saved["sources"].at(0)["cursor"].get<std::string>().rfind("s=", 0) == 0);
    CHECK(w.run_watch().exit_code == 0);
}

TEST_CASE("exit-owner-watch: Redis down during an alert is exit 3, and the next run alerts the same events") {
    Watch w;
    write_journal(w.journal.file("a.journal"),
                  {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER a"), entry_at(-50'000'000, "DENY_NOT_EXIT_OWNER b")});
    // A first quiet state: the checkpoint before these events.
    w.redis.kill9();
    auto down = w.run_watch();
    INFO(down.err);
    CHECK(down.exit_code == 3);
    CHECK(down.err.find("alert not stored") != std::string::npos);
    CHECK(down.out.empty());
    // A first run keeps where it started, so the next one reads the same entries
    // rather than a window that has moved on.
    REQUIRE(std::filesystem::exists(w.checkpoint_file()));
    CHECK(w.checkpoint()["sources"].at(0)["cursor"] == "");

    w.redis.start();
    auto up = w.run_watch();
    INFO(up.err);
    CHECK(up.exit_code == 1);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].at("deny_count") == "2");
    CHECK(std::filesystem::exists(w.checkpoint_file()));

    // With a checkpoint in place, Redis down again leaves it exactly as it was.
    write_journal(w.journal.file("a.journal"), {entry_at(-1'000'000, "DENY_NOT_EXIT_OWNER c")});
    const std::string before = slurp(w.checkpoint_file());
    w.redis.kill9();
    CHECK(w.run_watch().exit_code == 3);
    CHECK(slurp(w.checkpoint_file()) == before);
    w.redis.start();
    auto retried = w.run_watch();
    CHECK(retried.exit_code == 1);
    CHECK(result_of(retried)["deny_count"] == 1);
    CHECK(w.alerts().size() == 2);
}

TEST_CASE("exit-owner-watch: multi-line and non-UTF-8 samples stay one log line each") {
    Watch w;
    write_journal(w.journal.file("a.journal"),
                  {entry_at(-20'000'000, "line one DENY_NOT_EXIT_OWNER\nline two"),
                   entry_at(-10'000'000, std::string("bytes \xff\xfe DENY_NOT_EXIT_OWNER"))});
    auto r = w.run_watch({"--no-state"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("line one DENY_NOT_EXIT_OWNER\\nline two") != std::string::npos);
    CHECK(r.err.find("bytes \\xff\\xfe DENY_NOT_EXIT_OWNER") != std::string::npos);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].at("sample") == "line one DENY_NOT_EXIT_OWNER\\nline two");
}

TEST_CASE("exit-owner-watch: usage errors exit 2 and write nothing") {
    Watch w;
    for (std::vector<std::string> bad : {std::vector<std::string>{"--window", "5 parsecs"},
                                         {"--window", "0"},
                                         {"--samples", "1000"},
                                         {"--pattern", ""},
                                         {"--no-state", "--max-catch-up", "1h"},
                                         {"--bogus"}}) {
        auto r = w.run_watch(bad);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("exit-owner-watch: error:") != std::string::npos);
    }
    auto missing = run({"exit-owner-watch", "--journal-dir", w.journal.file("nope"), "--state-dir", w.state.path()});
    CHECK(missing.exit_code == 2);
    CHECK(std::filesystem::is_empty(w.state.path()));
}

TEST_CASE("exit-owner-watch: unit names without .service, other patterns, metrics") {
    Watch w;
    TempDir metrics;
    write_journal(w.journal.file("a.journal"), {entry_at(-30'000'000, "CUSTOM_DENY one", "quantum-governor.service"),
                                                entry_at(-20'000'000, "fine", "quantum-governor.service")});
    auto r = w.run_watch({"--unit", "quantum-governor", "--pattern", "CUSTOM_DENY", "--metrics-dir", metrics.path()});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    auto j = result_of(r);
    CHECK(j["unit"] == "quantum-governor.service");
    CHECK(j["deny_count"] == 1);
    CHECK(std::filesystem::exists(w.state.path() + "/exit-owner-watch.quantum-governor.service.json"));
    const std::string prom = slurp(metrics.path() + "/exit-owner-watch.prom");
    CHECK(prom.find("quantum_exit_owner_deny_count{job=\"exit-owner-watch\"} 1") != std::string::npos);
    CHECK(prom.find("quantum_exit_owner_entries_examined{job=\"exit-owner-watch\"} 2") != std::string::npos);
    CHECK(prom.find("quantum_job_exit_code{job=\"exit-owner-watch\"} 1") != std::string::npos);
}

TEST_CASE("exit-owner-watch: a run that finds another holding the checkpoint skips") {
    Watch w;
    write_journal(w.journal.file("a.journal"), {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER x")});
    auto held = watch::try_lock_checkpoint(w.checkpoint_file());
    REQUIRE(held.ok());
    REQUIRE(held->has_value());
    auto r = w.run_watch();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("holds the checkpoint, skipping") != std::string::npos);
    CHECK(w.alerts().empty());
    held->reset();
    CHECK(w.run_watch().exit_code == 1);
    CHECK(w.alerts().size() == 1);
}

TEST_CASE("exit-owner-watch: a local journal with no readable files is exit 3, not a silent 'no entries'") {
    // Only meaningful on a host without journald files (containers, build chroots).
    for (const char* dir : {"/run/log/journal", "/var/log/journal"}) {
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (it->path().extension() == ".journal") return;
    }
    auto r = run({"exit-owner-watch", "--no-state"});
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("systemd-journal group") != std::string::npos);
}

TEST_CASE("exit-owner-watch: a rotation that lost only seen entries is a WARN without a gap") {
    Watch w;
    write_journal(w.journal.file("old.journal"), {entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER old")});
    write_journal(w.journal.file("new.journal"), {entry_at(-2 * k_usec_per_min, "tick", "cron.service")});
    REQUIRE(w.run_watch().exit_code == 1);
    // Vacuumed: the file with the seen entry is gone, the remaining one began with an
    // entry (of another unit) that run had seen, so nothing written since can have been lost.
    std::filesystem::remove(w.journal.file("old.journal"));
    write_journal(w.journal.file("new.journal"), {entry_at(1'000'000, "DENY_NOT_EXIT_OWNER after")});
    auto r = w.run_watch();
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("no longer in the journal") != std::string::npos);
    auto j = result_of(r);
    CHECK(j["deny_count"] == 1);
    CHECK(j["gap"] == false);
    REQUIRE(w.alerts().size() == 2);
    CHECK(w.alerts()[1].at("gap") == "0");
}

namespace {

// The alerts of one source host.
std::vector<Alert> alerts_of(const std::vector<Alert>& all, const std::string& host) {
    std::vector<Alert> out;
    for (const auto& a : all)
        if (a.at("source_host") == host) out.push_back(a);
    return out;
}

} // namespace

TEST_CASE("exit-owner-watch: a fleet directory, one alert per host, and a late upload is counted once") {
    Watch w;
    const auto h1 = fleet_host(1);
    const auto h2 = fleet_host(2);
    const std::string f1 = w.journal.file("remote-apply-host-1.journal");
    const std::string f2 = w.journal.file("remote-apply-host-2.journal");
    write_journal(f1, {on_host(entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h1 one"), h1),
                       on_host(entry_at(-10'000'000, "order accepted"), h1)});
    write_journal(f2, {on_host(entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h2 one"), h2),
                       on_host(entry_at(-3 * k_usec_per_min + 1, "DENY_NOT_EXIT_OWNER h2 two"), h2)});
    auto first = w.run_watch();
    INFO(first.err);
    REQUIRE(first.exit_code == 1);
    CHECK(result_of(first)["deny_count"] == 3);
    CHECK(first.err.find("on apply-host-2 (first") != std::string::npos);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 2);
    CHECK(alerts_of(alerts, "apply-host-1").at(0).at("deny_count") == "1");
    CHECK(alerts_of(alerts, "apply-host-1").at(0).at("machine_id") == h1.machine_id);
    CHECK(alerts_of(alerts, "apply-host-2").at(0).at("deny_count") == "2");
    CHECK(w.checkpoint()["sources"].size() == 2);

    // h2's collector catches up: an entry older than h1's newest one.
    write_journal(f2, {on_host(entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h2 late"), h2)});
    auto late = w.run_watch();
    INFO(late.err);
    CHECK(late.exit_code == 1);
    CHECK(result_of(late)["deny_count"] == 1);
    alerts = w.alerts();
    REQUIRE(alerts.size() == 3);
    CHECK(alerts[2].at("source_host") == "apply-host-2");
    CHECK(alerts[2].at("sample") == "DENY_NOT_EXIT_OWNER h2 late");
    CHECK(alerts[2].at("gap") == "0");

    auto quiet = w.run_watch();
    INFO(quiet.err);
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.err.find("WARN") == std::string::npos);
    CHECK(w.alerts().size() == 3);
}

TEST_CASE("exit-owner-watch: a host joining the fleet is read from its start, within --max-catch-up") {
    Watch w;
    const auto h1 = fleet_host(1);
    const auto h3 = fleet_host(3);
    write_journal(w.journal.file("remote-apply-host-1.journal"),
                  {on_host(entry_at(-2 * k_usec_per_min, "order accepted"), h1)});
    REQUIRE(w.run_watch().exit_code == 0);

    SECTION("its history within the bound: every DENY counted, no gap") {
        write_journal(w.journal.file("remote-apply-host-3.journal"),
                      {on_host(entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h3 early"), h3),
                       on_host(entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h3 later"), h3)});
        auto r = w.run_watch();
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("INFO: New journal source apply-host-3") != std::string::npos);
        auto alerts = w.alerts();
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].at("source_host") == "apply-host-3");
        CHECK(alerts[0].at("deny_count") == "2");
        CHECK(alerts[0].at("gap") == "0");
    }
    SECTION("history older than the bound: not read, and said so with a gap") {
        write_journal(w.journal.file("remote-apply-host-3.journal"),
                      {on_host(entry_at(-30 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h3 ancient"), h3),
                       on_host(entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h3 recent"), h3)});
        auto r = w.run_watch({"--max-catch-up", "10min"});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("WARN: Entries of new source apply-host-3") != std::string::npos);
        auto alerts = w.alerts();
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].at("deny_count") == "1");
        CHECK(alerts[0].at("gap") == "1");
    }
}

TEST_CASE("exit-owner-watch: one host's files rotated and vacuumed is a gap for that host only") {
    Watch w;
    const auto h1 = fleet_host(1);
    const auto h2 = fleet_host(2);
    write_journal(w.journal.file("remote-apply-host-1.journal"),
                  {on_host(entry_at(-8 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h1 old"), h1)});
    write_journal(w.journal.file("remote-apply-host-2.journal"),
                  {on_host(entry_at(-8 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h2 old"), h2)});
    REQUIRE(w.run_watch({"--window", "10min"}).exit_code == 1);
    w.backdate_checkpoint();

    // h2's file was archived and vacuumed; its new file starts later. h1 just goes on.
    std::filesystem::remove(w.journal.file("remote-apply-host-2.journal"));
    write_journal(w.journal.file("remote-apply-host-2@2.journal"),
                  {on_host(entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h2 new"), h2)});
    write_journal(w.journal.file("remote-apply-host-1.journal"),
                  {on_host(entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER h1 new"), h1)});
    auto r = w.run_watch({"--window", "10min"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("WARN: Checkpoint cursor of apply-host-2") != std::string::npos);
    CHECK(r.err.find("WARN: Checkpoint cursor of apply-host-1") == std::string::npos);
    CHECK(r.err.find("oldest entry of apply-host-1") == std::string::npos);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 4);
    CHECK(alerts_of(alerts, "apply-host-2").at(1).at("gap") == "1");
    CHECK(alerts_of(alerts, "apply-host-2").at(1).at("sample") == "DENY_NOT_EXIT_OWNER h2 new");
    CHECK(alerts_of(alerts, "apply-host-1").at(1).at("gap") == "0");
    CHECK(result_of(r)["gap"] == true);
}

TEST_CASE("exit-owner-watch: an unreadable entry is gap=1 and unreadable=1 in an alert, exit 1, never a silent 0") {
    Watch w;
    const std::string file = w.journal.file("remote-apply-host-1.journal");
    write_journal(file, {entry_at(-60'000'000, "order accepted")});
    REQUIRE(w.run_watch().exit_code == 0);
    write_journal(file, {entry_at(-30'000'000, compressible_message("DENY_NOT_EXIT_OWNER order=7")),
                         entry_at(-20'000'000, "order accepted")});
    corrupt_compressed_field(file);
    auto r = w.run_watch();
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("1 journal entries of apply-host-1 could not be read") != std::string::npos);
    auto j = result_of(r);
    CHECK(j["unreadable"] == 1);
    CHECK(j["gap"] == true);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].at("unreadable") == "1");
    CHECK(alerts[0].at("gap") == "1");
    CHECK(alerts[0].at("deny_count") == "0");
    CHECK(alerts[0].at("source_host") == "apply-host-1");
    // Reported once: the position moved past it.
    CHECK(w.run_watch().exit_code == 0);
    CHECK(w.alerts().size() == 1);
}

TEST_CASE(
    "exit-owner-watch: QUANTUM_REDIS_MIN_REPLICAS unmet is exit 3, and the re-sent alert has the same dedup_key") {
    Watch w;
    write_journal(w.journal.file("a.journal"), {entry_at(-3 * k_usec_per_min, "order accepted")});
    REQUIRE(w.run_watch().exit_code == 0);
    write_journal(w.journal.file("a.journal"), {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER x")});
    const std::string before = slurp(w.checkpoint_file());
    // A master without replicas: WAIT 1 returns 0.
    auto r = w.run_watch({}, {{"QUANTUM_REDIS_MIN_REPLICAS", "1"}, {"QUANTUM_REDIS_TIMEOUT_MS", "400"}});
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("0 of 1 replica(s) acknowledged") != std::string::npos);
    CHECK(slurp(w.checkpoint_file()) == before);
    REQUIRE(w.alerts().size() == 1); // on the master's memory only

    auto again = w.run_watch({}, {{"QUANTUM_REDIS_MIN_REPLICAS", "0"}});
    INFO(again.err);
    CHECK(again.exit_code == 1);
    auto alerts = w.alerts();
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[0].at("dedup_key") == alerts[1].at("dedup_key"));
    CHECK(w.run_watch().exit_code == 0);

    auto bad = w.run_watch({}, {{"QUANTUM_REDIS_MIN_REPLICAS", "two"}});
    CHECK(bad.exit_code == 2);
}

TEST_CASE("exit-owner-watch: a format 1 checkpoint is resumed and rewritten in format 2") {
    Watch w;
    const std::string file = w.journal.file("a.journal");
    write_journal(file, {entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER seen")});
    REQUIRE(w.run_watch().exit_code == 1);
    const auto v2 = w.checkpoint();
    const nlohmann::json v1{{"version", 1},
                            {"cursor", v2["sources"][0]["cursor"]},
                            {"realtime_usec", v2["sources"][0]["realtime_usec"]},
                            {"unit", k_apply_unit},
                            {"scanned_usec", v2["scanned_usec"]}};
    w.state.write("exit-owner-watch.quantum-apply-layer.service.json", v1.dump());
    write_journal(file, {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER new")});
    auto r = w.run_watch();
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(result_of(r)["deny_count"] == 1);
    CHECK(r.err.find("format 1") != std::string::npos);
    CHECK(w.checkpoint()["version"] == 2);
    CHECK(w.run_watch().exit_code == 0);
}

TEST_CASE("exit-owner-watch: --message-id counts the apply layer's structured entries") {
    Watch w;
    const std::string id = "2b7e5c3a9d4f4e1a8c6b0d2e4f6a8c0e";
    auto structured = entry_at(-40'000'000, "order 9 refused: caller is not the exit owner");
    structured.fields = {{"MESSAGE_ID", id}};
    write_journal(w.journal.file("a.journal"), {structured, entry_at(-30'000'000, "DENY_NOT_EXIT_OWNER text")});
    auto only_id = w.run_watch({"--no-state", "--message-id", id});
    INFO(only_id.err);
    CHECK(only_id.exit_code == 1);
    CHECK(result_of(only_id)["deny_count"] == 1);
    CHECK(only_id.err.find("MESSAGE_ID=" + id) != std::string::npos);
    auto both = w.run_watch({"--no-state", "--message-id", id, "--pattern", "DENY_NOT_EXIT_OWNER"});
    CHECK(result_of(both)["deny_count"] == 2);
    CHECK(w.run_watch({"--message-id", "not-hex"}).exit_code == 2);
}
