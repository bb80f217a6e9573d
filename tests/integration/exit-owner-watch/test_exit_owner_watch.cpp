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

    // Makes the checkpoint look written by a run just after its entry, long ago.
    void backdate_checkpoint() const {
        auto cp = nlohmann::json::parse(slurp(checkpoint_file()));
        cp["scanned_usec"] = cp["realtime_usec"].get<int64_t>() + 1'000'000;
        state.write("exit-owner-watch.quantum-apply-layer.service.json", cp.dump());
    }

    RunResult run_watch(std::vector<std::string> extra = {}) const {
        std::vector<std::string> argv{"exit-owner-watch", "--journal-dir", journal.path(), "--state-dir",
                                      state.path(),       "--redis",       redis.url(),    "--json"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        RunOptions o;
        o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "STATE_DIRECTORY"};
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
    auto saved = nlohmann::json::parse(slurp(w.checkpoint_file()));
    CHECK(saved["cursor"].get<std::string>().rfind("s=", 0) == 0);
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
    CHECK_FALSE(std::filesystem::exists(w.checkpoint_file()));

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
    REQUIRE(w.run_watch().exit_code == 1);
    // Vacuumed: the file with the seen entry is gone, the remaining one began before that
    // run (an entry of another unit), so nothing written since can have been lost.
    std::filesystem::remove(w.journal.file("old.journal"));
    write_journal(w.journal.file("new.journal"), {entry_at(-2 * k_usec_per_min, "tick", "cron.service"),
                                                  entry_at(1'000'000, "DENY_NOT_EXIT_OWNER after")});
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
