#include "support/journal_fixture.hpp"
#include "support/temp_dir.hpp"
#include "watch/scanner.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace qops;
using namespace qops::test;
using watch::Resume;

namespace {

constexpr const char* k_deny = "DENY_NOT_EXIT_OWNER";

// A request with no checkpoint: every source starts at since_usec.
watch::ScanRequest request(int64_t since_usec) {
    watch::ScanRequest r;
    r.unit = k_apply_unit;
    r.pattern = k_deny;
    r.new_source_usec = since_usec;
    return r;
}

// The position a checkpoint would keep after the scan of s.
watch::SourcePosition position_after(const watch::SourceScan& s) {
    return {s.machine_id, s.host, s.end_cursor, s.end_usec, s.newest_usec};
}

// A request resuming every source of previous where it ended.
watch::ScanRequest resume(const watch::ScanResult& previous, int64_t catch_up_floor_usec = 0) {
    auto r = request(0);
    for (const auto& s : previous.sources)
        r.positions.push_back(position_after(s));
    r.catch_up_floor_usec = catch_up_floor_usec;
    return r;
}

watch::ScanResult scan_all(const std::string& dir, const watch::ScanRequest& req) {
    auto r = watch::scan(watch::Source{dir}, req);
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return *r;
}

// The scan of a journal written by one host.
watch::SourceScan scan_dir(const std::string& dir, const watch::ScanRequest& req) {
    auto r = scan_all(dir, req);
    REQUIRE(r.sources.size() == 1);
    return r.sources.front();
}

const watch::SourceScan& source_of(const watch::ScanResult& r, const JournalHost& host) {
    for (const auto& s : r.sources)
        if (s.machine_id == host.machine_id) return s;
    FAIL("no source for " << host.hostname);
    return r.sources.front();
}

} // namespace

TEST_CASE("scanner: an empty journal directory yields nothing") {
    TempDir dir;
    auto r = scan_all(dir.path(), request(0));
    CHECK(r.sources.empty());
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
    CHECK(r.oldest_usec == other.realtime_usec);
    CHECK(r.newest_usec == fine.realtime_usec);
    CHECK(r.host == "apply-host-1");
    CHECK(r.machine_id == k_machine_id);
    CHECK(r.resume == Resume::new_source);
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

    const watch::ScanResult before{{first}, {}};
    SECTION("nothing new") {
        auto again = scan_dir(dir.path(), resume(before));
        CHECK(again.resume == Resume::cursor);
        CHECK(again.examined == 0);
        CHECK(again.end_cursor.empty());
    }
    SECTION("new entries appended to the same file, even older-stamped ones") {
        write_journal(file,
                      {entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER three"), entry_at(-50'000'000, "fine")});
        auto again = scan_dir(dir.path(), resume(before));
        CHECK(again.resume == Resume::cursor);
        CHECK(again.examined == 2);
        CHECK(again.matched == 1);
        REQUIRE(again.samples.size() == 1);
        CHECK(again.samples[0].message == "DENY_NOT_EXIT_OWNER three");
    }
    SECTION("new entries in another file of the directory") {
        write_journal(dir.file("b.journal"), {entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER three")});
        auto again = scan_dir(dir.path(), resume(before));
        CHECK(again.resume == Resume::cursor);
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

    auto r = scan_dir(dir.path(), resume({{first}, {}}));
    CHECK(r.resume == Resume::lost);
    CHECK(r.since_usec == first.end_usec + 1);
    CHECK(r.examined == 2); // from just after the lost cursor's time: both entries of the new file
    CHECK(r.matched == 1);
    CHECK(r.oldest_usec > first.end_usec);
    CHECK_FALSE(r.skipped_older);

    SECTION("bounded by the catch-up floor, with the entries before it reported") {
        auto bounded = scan_dir(dir.path(), resume({{first}, {}}, newer.realtime_usec));
        CHECK(bounded.resume == Resume::lost);
        CHECK(bounded.examined == 1);
        CHECK(bounded.skipped_older);
    }
    SECTION("a cursor that does not parse falls back the same way") {
        auto req = resume({{first}, {}});
        req.positions[0].cursor = "s=zzz;garbage";
        auto bad = scan_dir(dir.path(), req);
        CHECK(bad.resume == Resume::lost);
        CHECK(bad.matched == 1);
    }
}

TEST_CASE("scanner: a fleet directory is read host by host, each in its own order") {
    TempDir dir;
    const auto h1 = fleet_host(1);
    const auto h2 = fleet_host(2);
    write_journal(dir.file("remote-h1.journal"),
                  {on_host(entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a1"), h1),
                   on_host(entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a2"), h1)});
    write_journal(dir.file("remote-h2.journal"),
                  {on_host(entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER b1"), h2)});
    auto r = scan_all(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    REQUIRE(r.sources.size() == 2);
    const auto& s1 = source_of(r, h1);
    const auto& s2 = source_of(r, h2);
    CHECK(s1.host == "apply-host-1");
    CHECK(s1.matched == 2);
    REQUIRE(s1.samples.size() == 2);
    CHECK(s1.samples[0].message == "DENY_NOT_EXIT_OWNER a1");
    CHECK(s1.samples[1].message == "DENY_NOT_EXIT_OWNER a2");
    CHECK(s2.host == "apply-host-2");
    CHECK(s2.matched == 1);
    CHECK(s2.samples.at(0).hostname == "apply-host-2");

    SECTION("a late upload older than another host's newest entry is found, once") {
        write_journal(dir.file("remote-h2.journal"),
                      {on_host(entry_at(-150'000'000, "DENY_NOT_EXIT_OWNER b2 (late)"), h2)});
        auto again = scan_all(dir.path(), resume(r));
        CHECK(source_of(again, h1).matched == 0);
        CHECK(source_of(again, h2).resume == Resume::cursor);
        CHECK(source_of(again, h2).matched == 1);
        CHECK(scan_all(dir.path(), resume(again)).sources.at(1).matched == 0);
    }
    SECTION("a host joining later is read from the request's start for new sources") {
        const auto h3 = fleet_host(3);
        write_journal(dir.file("remote-h3.journal"),
                      {on_host(entry_at(-20 * k_usec_per_min, "DENY_NOT_EXIT_OWNER c0 (before)"), h3),
                       on_host(entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER c1"), h3)});
        auto req = resume(r);
        req.new_source_usec = now_epoch_micros() - 10 * k_usec_per_min;
        auto again = scan_all(dir.path(), req);
        REQUIRE(again.sources.size() == 3);
        const auto& s3 = source_of(again, h3);
        CHECK(s3.resume == Resume::new_source);
        CHECK(s3.matched == 1);
        CHECK(s3.skipped_older);
        CHECK(source_of(again, h1).matched == 0);
    }
    SECTION("a host whose files are gone keeps its position") {
        std::filesystem::remove(dir.file("remote-h2.journal"));
        auto again = scan_all(dir.path(), resume(r));
        REQUIRE(again.sources.size() == 1);
        REQUIRE(again.absent.size() == 1);
        CHECK(again.absent[0].machine_id == h2.machine_id);
        CHECK(again.absent[0].cursor == s2.end_cursor);
    }
}

TEST_CASE("scanner: a single-cursor checkpoint (format 1) resumes its source and starts the others at its time") {
    TempDir dir;
    const auto h1 = fleet_host(1);
    const auto h2 = fleet_host(2);
    write_journal(dir.file("remote-h1.journal"),
                  {on_host(entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a1"), h1)});
    auto first = scan_all(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    write_journal(dir.file("remote-h1.journal"),
                  {on_host(entry_at(-1 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a2"), h1)});
    write_journal(dir.file("remote-h2.journal"),
                  {on_host(entry_at(-4 * k_usec_per_min - 1'000'000, "DENY_NOT_EXIT_OWNER b0 (seen by then)"), h2),
                   on_host(entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER b1"), h2)});
    auto req = request(0);
    req.legacy_cursor = first.sources.at(0).end_cursor;
    req.legacy_realtime_usec = first.sources.at(0).end_usec;
    auto r = scan_all(dir.path(), req);
    CHECK(source_of(r, h1).resume == Resume::cursor);
    CHECK(source_of(r, h1).matched == 1);
    CHECK(source_of(r, h2).resume == Resume::time);
    CHECK(source_of(r, h2).matched == 1);
}

TEST_CASE("scanner: an entry whose MESSAGE cannot be read is counted, never skipped silently") {
    TempDir dir;
    write_journal(dir.file("a.journal"),
                  {entry_at(-60'000'000, compressible_message("DENY_NOT_EXIT_OWNER order=7 lost to a disk error")),
                   entry_at(-50'000'000, "DENY_NOT_EXIT_OWNER order=8")});
    corrupt_compressed_field(dir.file("a.journal"));
    auto r = scan_dir(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    CHECK(r.examined == 2);
    CHECK(r.unreadable == 1);
    CHECK(r.matched == 1);
    REQUIRE_FALSE(r.end_cursor.empty()); // the position moves on: the entry is reported, not re-read forever
}

TEST_CASE("scanner: --message-id matches the structured MESSAGE_ID, alone or with the pattern") {
    TempDir dir;
    const std::string id = "2b7e5c3a9d4f4e1a8c6b0d2e4f6a8c0e";
    auto structured = entry_at(-40'000'000, "order 9 refused: caller is not the exit owner");
    structured.fields = {{"MESSAGE_ID", id}};
    auto other_id = entry_at(-30'000'000, "order 10 accepted");
    other_id.fields = {{"MESSAGE_ID", "00000000000000000000000000000000"}};
    auto text = entry_at(-20'000'000, "DENY_NOT_EXIT_OWNER order 11");
    write_journal(dir.file("a.journal"), {structured, other_id, text});
    auto req = request(now_epoch_micros() - 5 * k_usec_per_min);
    req.message_id = id;
    SECTION("instead of the pattern") {
        req.pattern.clear();
        auto r = scan_dir(dir.path(), req);
        CHECK(r.examined == 3);
        CHECK(r.matched == 1);
        REQUIRE(r.samples.size() == 1);
        CHECK(r.samples[0].message == structured.message);
    }
    SECTION("as well as the pattern") {
        auto r = scan_dir(dir.path(), req);
        CHECK(r.matched == 2);
    }
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

    auto r = scan_all(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    bool good_seen = false;
    for (const auto& src : r.sources)
        for (const auto& smp : src.samples)
            good_seen = good_seen || smp.message == "DENY_NOT_EXIT_OWNER good";
    CHECK(good_seen);
    CHECK(r.listing_errors > 0); // the truncated file, at least: said, not ignored
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

TEST_CASE("scanner: a machine id that is not one (a forged upload) is reported, not made a source") {
    TempDir dir;
    auto forged = entry_at(-20'000'000, "DENY_NOT_EXIT_OWNER forged");
    forged.machine_id = "../../etc/\xff";
    write_journal(dir.file("good.journal"), {entry_at(-30'000'000, "DENY_NOT_EXIT_OWNER real")});
    write_journal(dir.file("forged.journal"), {forged});
    auto r = scan_all(dir.path(), request(now_epoch_micros() - 5 * k_usec_per_min));
    REQUIRE(r.sources.size() == 1);
    CHECK(r.sources[0].machine_id == k_machine_id);
    CHECK(r.listing_errors == 1);
}

TEST_CASE("scanner: archived files' machines are remembered, online and changed files listed again") {
    TempDir dir;
    TempDir state;
    const auto h1 = fleet_host(1);
    const auto h2 = fleet_host(2);
    const std::string archived1 =
        dir.file("remote-h1@0000000000000000000000000000000a-0000000000000001-0005d8b2c1a3e000.journal");
    const std::string archived2 =
        dir.file("remote-h2@0000000000000000000000000000000b-0000000000000001-0005d8b2c1a3e000.journal");
    write_journal(archived1, {on_host(entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a1"), h1)});
    write_journal(archived2, {on_host(entry_at(-4 * k_usec_per_min, "DENY_NOT_EXIT_OWNER b1"), h2)});
    write_journal(dir.file("remote-h2.journal"),
                  {on_host(entry_at(-2 * k_usec_per_min, "DENY_NOT_EXIT_OWNER b2"), h2)});
    auto req = request(now_epoch_micros() - 5 * k_usec_per_min);
    req.listing_cache = state.file("journal-files.json");

    auto first = scan_all(dir.path(), req);
    REQUIRE(first.sources.size() == 2);
    CHECK(source_of(first, h1).matched == 1);
    CHECK(source_of(first, h2).matched == 2);
    auto cache = nlohmann::json::parse(slurp(req.listing_cache));
    CHECK(cache["files"].size() == 2); // the archived ones only
    CHECK(cache["files"][archived1]["machines"] == nlohmann::json::array({h1.machine_id}));
    CHECK_FALSE(cache["files"].contains(dir.file("remote-h2.journal")));

    // The same result from the cache as from the files.
    auto second = scan_all(dir.path(), req);
    CHECK(source_of(second, h1).matched == 1);
    CHECK(source_of(second, h2).matched == 2);

    SECTION("the cache is what lists an unchanged archived file (it is not opened to list it)") {
        cache["files"][archived1]["machines"] = nlohmann::json::array();
        std::ofstream(req.listing_cache) << cache.dump();
        auto r = scan_all(dir.path(), req);
        REQUIRE(r.sources.size() == 1);
        CHECK(r.sources[0].machine_id == h2.machine_id);
    }
    SECTION("a replaced file is listed again") {
        cache["files"][archived1]["machines"] = nlohmann::json::array();
        std::ofstream(req.listing_cache) << cache.dump();
        std::filesystem::remove(archived1);
        write_journal(archived1, {on_host(entry_at(-3 * k_usec_per_min, "DENY_NOT_EXIT_OWNER a2"), h1),
                                  on_host(entry_at(-3 * k_usec_per_min + 1000, "DENY_NOT_EXIT_OWNER a3"), h1)});
        auto r = scan_all(dir.path(), req);
        REQUIRE(r.sources.size() == 2);
        CHECK(source_of(r, h1).matched == 2);
    }
    SECTION("a malformed cache is ignored and rewritten") {
        std::ofstream(req.listing_cache) << "{not json";
        auto r = scan_all(dir.path(), req);
        CHECK(r.sources.size() == 2);
        CHECK(nlohmann::json::parse(slurp(req.listing_cache))["files"].size() == 2);
    }
    SECTION("a vacuumed file leaves the cache") {
        std::filesystem::remove(archived2);
        scan_all(dir.path(), req);
        CHECK(nlohmann::json::parse(slurp(req.listing_cache))["files"].size() == 1);
    }
}
