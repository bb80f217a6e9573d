#include "support/journal_fixture.hpp"
#include "support/temp_dir.hpp"
#include "systemd/journal.hpp"

#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

using namespace qops;

TEST_CASE("journal: cursors are parsed for their sequence and number") {
    const auto p = systemd::parse_cursor("s=7cf1ab135a2f4a699f0c7df5c70f84d8;i=f4232;b=6c;m=b2;t=66;x=a2");
    REQUIRE(p);
    CHECK(p->seqnum_id == "7cf1ab135a2f4a699f0c7df5c70f84d8");
    CHECK(p->seqnum == 0xf4232);
    CHECK_FALSE(systemd::parse_cursor("s=7cf1;i=1"));
    CHECK_FALSE(systemd::parse_cursor("s=7cf1ab135a2f4a699f0c7df5c70f84d8;i=zz"));
    CHECK_FALSE(systemd::parse_cursor("s=7cf1ab135a2f4a699f0c7df5c70f84d8"));
    CHECK_FALSE(systemd::parse_cursor(""));
}

TEST_CASE("journal: the machines of a fleet directory are listed, and matched one at a time") {
    test::TempDir dir;
    const auto h1 = test::fleet_host(1);
    const auto h2 = test::fleet_host(2);
    test::write_journal(dir.file("remote-h1.journal"),
                        {test::on_host(test::entry_at(-3 * test::k_usec_per_min, "one"), h1),
                         test::on_host(test::entry_at(-1 * test::k_usec_per_min, "three"), h1)});
    test::write_journal(dir.file("remote-h2.journal"),
                        {test::on_host(test::entry_at(-2 * test::k_usec_per_min, "two"), h2)});
    auto files = systemd::journal_files(dir.path());
    REQUIRE(files.ok());
    CHECK(*files == std::vector<std::string>{dir.file("remote-h1.journal"), dir.file("remote-h2.journal")});
    auto j = systemd::Journal::open_files(*files);
    REQUIRE(j.ok());
    auto machines = j->unique_values("_MACHINE_ID");
    REQUIRE(machines.ok());
    std::sort(machines->values.begin(), machines->values.end());
    CHECK(machines->values == std::vector<std::string>{h1.machine_id, h2.machine_id});
    CHECK(machines->errors == 0);

    REQUIRE(j->match_unit(test::k_apply_unit).ok());
    REQUIRE(j->match_also("_MACHINE_ID", h1.machine_id).ok());
    REQUIRE(j->seek_head().ok());
    std::vector<std::string> seen;
    while (j->next() == systemd::Journal::Step::entry)
        seen.emplace_back(*j->field("MESSAGE").value());
    CHECK(seen == std::vector<std::string>{"one", "three"});

    REQUIRE(j->seek_tail().ok());
    REQUIRE(j->previous() == systemd::Journal::Step::entry);
    CHECK(*j->field("MESSAGE").value() == "three");

    j->clear_matches();
    REQUIRE(j->seek_head().ok());
    size_t all = 0;
    while (j->next() == systemd::Journal::Step::entry)
        ++all;
    CHECK(all == 3);
}

TEST_CASE("journal: the files of a directory are those sd-journal would open") {
    test::TempDir dir;
    const std::string machine_dir = "5e0a7c1b2d3f4a5b8c9d0e1f2a3b4c5d";
    std::filesystem::create_directories(dir.file(machine_dir));
    std::filesystem::create_directories(dir.file("not-a-machine"));
    for (const char* name : {"a.journal", "b.journal~", "c.txt", "not-a-machine/d.journal"})
        dir.write(name, "x");
    dir.write(machine_dir + "/system.journal", "x");
    auto files = systemd::journal_files(dir.path());
    REQUIRE(files.ok());
    CHECK(*files == std::vector<std::string>{dir.file(machine_dir + "/system.journal"), dir.file("a.journal"),
                                             dir.file("b.journal~")});
    CHECK_FALSE(systemd::journal_files(dir.file("missing")).ok());
    CHECK_FALSE(systemd::Journal::open_files({dir.file("a.journal")}).ok()); // not a journal file
}
