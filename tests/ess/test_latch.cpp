#include "ess/latch.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

using namespace qops;
using namespace qops::ess;
using qops::test::TempDir;

TEST_CASE("ess latch: written atomically, read back, removed") {
    TempDir tmp;
    const std::string path = tmp.file("run/quantum/ESS_ON");
    CHECK_FALSE(read_latch(path)->has_value());
    REQUIRE(write_latch(path, {"runaway\norders", "alice", "2026-01-28T01:41:58Z"}).ok());
    auto latch = read_latch(path);
    REQUIRE(latch.ok());
    REQUIRE(latch->has_value());
    CHECK((*latch)->reason == "runaway\norders"); // stored on one line, read back as typed
    CHECK((*latch)->who == "alice");
    CHECK((*latch)->when == "2026-01-28T01:41:58Z");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644); // everyone may read it; the guard drop-in checks existence
    CHECK(*remove_latch(path));
    CHECK_FALSE(*remove_latch(path));
    CHECK_FALSE(read_latch(path)->has_value());
}

TEST_CASE("ess latch: a hand-made latch (touch, echo) still counts") {
    TempDir tmp;
    const std::string path = tmp.write("ESS_ON", "stop everything now\n");
    auto latch = read_latch(path);
    REQUIRE(latch->has_value());
    CHECK((*latch)->reason == "stop everything now");
    tmp.write("empty", "");
    CHECK(read_latch(tmp.file("empty"))->has_value());
}
