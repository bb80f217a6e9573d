#include "ess/latch.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace qops::ess;
using qops::test::TempDir;

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
