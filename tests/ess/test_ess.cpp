#include "ess/latch.hpp"
#include "ess/units.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "systemd/bus.hpp"

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

TEST_CASE("ess units: flags, environment, defaults, names") {
    ::unsetenv("QUANTUM_ESS_UNITS");
    CHECK(resolve_units({}) == default_units());
    CHECK(default_units().size() == 4);
    ::setenv("QUANTUM_ESS_UNITS", "a, b.service  c", 1);
    CHECK(resolve_units({}) == std::vector<std::string>{"a.service", "b.service", "c.service"});
    CHECK(resolve_units({"x"}) == std::vector<std::string>{"x.service"});
    ::unsetenv("QUANTUM_ESS_UNITS");
}

TEST_CASE("emergency-stop: trip, reset and enforce without a latch, as processes") {
    TempDir tmp;
    const std::string latch = tmp.file("ESS_ON");
    test::RunOptions o;
    o.env["QUANTUM_ESS_LATCH"] = latch;
    o.env["QUANTUM_REDIS_URL"] = "redis://127.0.0.1:1/0";
    o.env["SUDO_USER"] = "operator7";

    SECTION("trip writes the latch with reason, who and when; a second trip keeps the first") {
        auto r = test::run({"emergency-stop", "trip", "--reason", "runaway orders"}, o);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("EMERGENCY STOP tripped by operator7: runaway orders"));
        auto l = read_latch(latch);
        REQUIRE(l->has_value());
        CHECK((*l)->who == "operator7");
        CHECK_THAT((*l)->when, Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"));
        auto again = test::run({"emergency-stop", "trip", "--reason", "other"}, o);
        CHECK(again.exit_code == 0);
        CHECK_THAT(again.err, Catch::Contains("Already latched"));
        CHECK((*read_latch(latch))->reason == "runaway orders");
    }
    SECTION("trip needs a reason") {
        CHECK(test::run({"emergency-stop", "trip"}, o).exit_code == 2);
        CHECK_FALSE(read_latch(latch)->has_value());
    }
    SECTION("reset needs --confirm and leaves the latch until then") {
        REQUIRE(write_latch(latch, {"r", "w", "t"}).ok());
        auto r = test::run({"emergency-stop", "reset"}, o);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--confirm"));
        CHECK(read_latch(latch)->has_value());
        auto c = test::run({"emergency-stop", "reset", "--confirm"}, o);
        CHECK(c.exit_code == 0);
        CHECK_THAT(c.err, Catch::Contains("removed"));
        CHECK_FALSE(read_latch(latch)->has_value());
    }
    SECTION("enforce without a latch does nothing") {
        auto r = test::run({"emergency-stop", "enforce"}, o);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("nothing to enforce"));
    }
    SECTION("usage") {
        CHECK(test::run({"emergency-stop"}, o).exit_code == 2);
        CHECK(test::run({"emergency-stop", "enforce", "--kill-after-ms", "5"}, o).exit_code == 2);
        auto h = test::run({"emergency-stop", "--help"}, o);
        CHECK(h.exit_code == 0);
        CHECK_THAT(h.out, Catch::Contains("replace-irreversibly"));
    }
}
