#include "support/journal_fixture.hpp"
#include "support/temp_dir.hpp"
#include "watch/scanner.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace qops;
using namespace qops::test;

namespace {

constexpr const char* k_deny = "DENY_NOT_EXIT_OWNER";

watch::ScanRequest request(int64_t since_usec, std::string cursor = {}) {
    watch::ScanRequest r;
    r.unit = k_apply_unit;
    r.pattern = k_deny;
    r.since_usec = since_usec;
    r.after_cursor = std::move(cursor);
    return r;
}

watch::ScanResult scan_dir(const std::string& dir, const watch::ScanRequest& req) {
    auto r = watch::scan(watch::Source{dir}, req);
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return *r;
}

} // namespace

TEST_CASE("scanner: an empty journal directory yields nothing") {
    TempDir dir;
    auto r = scan_dir(dir.path(), request(0));
    CHECK(r.examined == 0);
    CHECK(r.matched == 0);
    CHECK(r.end_cursor.empty());
    CHECK(r.cutoff_usec == 0);
}

TEST_CASE("scanner: a missing directory is a dependency failure") {
    TempDir dir;
    auto r = watch::scan(watch::Source{dir.file("nope")}, request(0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::unavailable);
}

TEST_CASE("scanner: only the unit's entries are examined, stamps read back as written") {
    TempDir dir;
    auto other = entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER from someone else", "quantum-governor.service");
    auto deny = entry_at(-1 * k_usec_per_min, "order 42 DENY_NOT_EXIT_OWNER reduceOnly by governor");
    auto fine = entry_at(-30'000'000, "order 43 accepted");
    write_journal(dir.file("a.journal"), {other, deny, fine});

    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.examined == 2);
    CHECK(r.matched == 1);
    CHECK(r.first_usec == deny.realtime_usec);
    CHECK(r.last_usec == deny.realtime_usec);
    REQUIRE(r.samples.size() == 1);
    CHECK(r.samples[0].realtime_usec == deny.realtime_usec);
    CHECK(r.samples[0].message == deny.message);
    CHECK(r.samples[0].hostname == "apply-host-1");
    CHECK(r.end_usec == fine.realtime_usec);
    CHECK_FALSE(r.end_cursor.empty());
    CHECK(r.cutoff_usec == other.realtime_usec);
}

TEST_CASE("scanner: entries of other units only are not counted") {
    TempDir dir;
    write_journal(dir.file("a.journal"),
                  {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER", "quantum-governor.service"),
                   entry_at(-50'000'000, "DENY_NOT_EXIT_OWNER", "quantum-apply-layer-canary.service")});
    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.examined == 0);
    CHECK(r.matched == 0);
}

TEST_CASE("scanner: the unit is matched as journalctl -u does") {
    TempDir dir;
    // PID 1 about the unit, a trusted daemon about it, and its coredump: all count.
    auto pid1 = entry_at(-40'000'000, "quantum-apply-layer.service: DENY_NOT_EXIT_OWNER pid1", "init.scope");
    pid1.fields = {{"_PID", "1"}, {"UNIT", k_apply_unit}};
    auto daemon = entry_at(-30'000'000, "DENY_NOT_EXIT_OWNER object", "systemd-logind.service");
    daemon.fields = {{"_UID", "0"}, {"OBJECT_SYSTEMD_UNIT", k_apply_unit}};
    auto core = entry_at(-20'000'000, "DENY_NOT_EXIT_OWNER coredump", "systemd-coredump@0.service");
    core.fields = {{"_UID", "0"}, {"MESSAGE_ID", "fc2e22bc6ee647b6b90729ab34a250b1"}, {"COREDUMP_UNIT", k_apply_unit}};
    // The same fields from an untrusted sender do not.
    auto forged = entry_at(-10'000'000, "DENY_NOT_EXIT_OWNER forged", "user-app.service");
    forged.fields = {{"_UID", "1000"}, {"_PID", "4242"}, {"UNIT", k_apply_unit}, {"OBJECT_SYSTEMD_UNIT", k_apply_unit}};
    write_journal(dir.file("a.journal"), {pid1, daemon, core, forged});

    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.examined == 3);
    CHECK(r.matched == 3);
}

TEST_CASE("scanner: entries at the window edges") {
    TempDir dir;
    const int64_t now = now_epoch_micros();
    const int64_t since = now - 5 * k_usec_per_min;
    auto before = entry_at_usec(since - 1, "DENY_NOT_EXIT_OWNER just before");
    auto at = entry_at_usec(since, "DENY_NOT_EXIT_OWNER exactly at the start");
    auto last = entry_at_usec(now, "DENY_NOT_EXIT_OWNER at now");
    write_journal(dir.file("a.journal"), {before, at, last});

    auto r = scan_dir(dir.path(), request(since));
    CHECK(r.matched == 2);
    CHECK(r.first_usec == at.realtime_usec);
    CHECK(r.last_usec == last.realtime_usec);
}

TEST_CASE("scanner: multi-line and non-UTF-8 messages are matched on their bytes") {
    TempDir dir;
    const std::string multi = "first line\nsecond DENY_NOT_EXIT_OWNER line\nthird";
    const std::string binary = std::string("bad \xff\xfe bytes DENY_NOT_EXIT_OWNER \x01", 34);
    const std::string split = std::string("DENY_NOT_EXIT_") + "\n" + "OWNER";
    write_journal(dir.file("a.journal"),
                  {entry_at(-30'000'000, multi), entry_at(-20'000'000, binary), entry_at(-10'000'000, split)});
    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.examined == 3);
    CHECK(r.matched == 2);
    REQUIRE(r.samples.size() == 2);
    CHECK(r.samples[0].message == multi);
    CHECK(r.samples[1].message == binary);
}

TEST_CASE("scanner: samples are bounded in number and size") {
    TempDir dir;
    std::vector<JournalEntry> entries;
    for (int i = 0; i < 10; ++i)
        entries.push_back(entry_at(-60'000'000 + i * 1'000'000, "DENY_NOT_EXIT_OWNER " + std::string(5000, 'x')));
    write_journal(dir.file("a.journal"), entries);
    auto req = request(now_epoch_micros() - 5 * k_usec_per_min);
    req.max_samples = 2;
    auto r = scan_dir(dir.path(), req);
    CHECK(r.matched == 10);
    REQUIRE(r.samples.size() == 2);
    CHECK(r.samples[0].message.size() == watch::k_max_sample_bytes);
}

TEST_CASE("scanner: resuming after a cursor examines only the entries after it") {
    TempDir dir;
    const std::string file = dir.file("a.journal");
    write_journal(file, {entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER one"),
                         entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER two")});
    auto first = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    REQUIRE(first.matched == 2);
    REQUIRE_FALSE(first.end_cursor.empty());

    SECTION("nothing new") {
        auto again = scan_dir(dir.path(), request(0, first.end_cursor));
        CHECK(again.cursor_found);
        CHECK(again.examined == 0);
        CHECK(again.end_cursor.empty());
    }
    SECTION("new entries appended to the same file, even older-stamped ones") {
        write_journal(file,
                      {entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER three"), entry_at(-50'000'000, "fine")});
        auto again = scan_dir(dir.path(), request(0, first.end_cursor));
        CHECK(again.cursor_found);
        CHECK(again.examined == 2);
        CHECK(again.matched == 1);
        REQUIRE(again.samples.size() == 1);
        CHECK(again.samples[0].message == "DENY_NOT_EXIT_OWNER three");
    }
    SECTION("new entries in another file of the directory") {
        write_journal(dir.file("b.journal"), {entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER three")});
        auto again = scan_dir(dir.path(), request(first.end_usec + 1, first.end_cursor));
        CHECK(again.cursor_found);
        CHECK(again.matched == 1);
    }
}

TEST_CASE("scanner: a cursor the journal no longer holds is reported, not skipped silently") {
    TempDir dir;
    write_journal(dir.file("old.journal"), {entry_at(-8 * k_usec_per_min, "DENY_NOT_EXIT_OWNER old")});
    auto first = scan_dir(dir.path(), request(now_epoch_micros() - 10 * k_usec_per_min));
    REQUIRE(first.matched == 1);

    // Rotated away: the old file is gone, a new one holds later entries.
    std::filesystem::remove(dir.file("old.journal"));
    auto newer = entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER new");
    write_journal(dir.file("new.journal"), {entry_at(-3 * k_usec_per_min, "fine"), newer});

    auto r = scan_dir(dir.path(), request(first.end_usec + 1, first.end_cursor));
    CHECK_FALSE(r.cursor_found);
    CHECK(r.examined == 2); // from since_usec: both entries of the new file
    CHECK(r.matched == 1);
    CHECK(r.cutoff_usec > first.end_usec);

    SECTION("a cursor that does not parse falls back the same way") {
        auto bad = scan_dir(dir.path(), request(newer.realtime_usec, "s=zzz;garbage"));
        CHECK_FALSE(bad.cursor_found);
        CHECK(bad.matched == 1);
    }
}

TEST_CASE("scanner: several files in a directory are read in time order") {
    TempDir dir;
    write_journal(dir.file("host-a.journal"), {entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a1"),
                                               entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a2")});
    auto b = entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER b1");
    b.hostname = "apply-host-2";
    write_journal(dir.file("host-b.journal"), {b});
    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.matched == 3);
    REQUIRE(r.samples.size() == 3);
    CHECK(r.samples[0].message == "DENY_NOT_EXIT_OWNER a1");
    CHECK(r.samples[1].message == "DENY_NOT_EXIT_OWNER b1");
    CHECK(r.samples[1].hostname == "apply-host-2");
    CHECK(r.samples[2].message == "DENY_NOT_EXIT_OWNER a2");
}

TEST_CASE("scanner: a corrupt file beside good ones does not stop the scan") {
    TempDir dir;
    write_journal(dir.file("good.journal"), {entry_at(-60'000'000, "DENY_NOT_EXIT_OWNER good")});
    write_journal(dir.file("bad.journal"), {entry_at(-50'000'000, "DENY_NOT_EXIT_OWNER bad")});
    {
        // Keep the header, destroy the objects behind it.
        std::fstream f(dir.file("bad.journal"), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(300);
        const std::string junk(64 * 1024, '\xA5');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    write_journal(dir.file("truncated.journal"), {entry_at(-40'000'000, "DENY_NOT_EXIT_OWNER truncated")});
    std::filesystem::resize_file(dir.file("truncated.journal"), 100);

    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.matched >= 1);
    bool good_seen = false;
    for (const auto& s : r.samples)
        good_seen = good_seen || s.message == "DENY_NOT_EXIT_OWNER good";
    CHECK(good_seen);
}

TEST_CASE("scanner: a directory whose journal files cannot be opened is a failure, not an empty journal") {
    TempDir dir;
    write_journal(dir.file("only.journal"), {entry_at(-10'000'000, "DENY_NOT_EXIT_OWNER")});
    std::filesystem::resize_file(dir.file("only.journal"), 100); // not even a header
    auto r = watch::scan(watch::Source{dir.path()}, request(0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::unavailable);
    CHECK(r.error().message.find("can be read") != std::string::npos);
}
