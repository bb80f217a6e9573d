#include "ess/latch.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace qops;
using namespace qops::ess;
using qops::test::TempDir;

// Without a systemd to talk to (or with one that does not know the unit) nothing can be
// verified stopped: these runs check the latch, the audit trail and the hook, and that
// such a trip is a FAIL, never a success. The real stops are shown by proofs/proof_ess.sh.
TEST_CASE("emergency-stop: trip, reset and enforce as processes") {
    TempDir tmp;
    const std::string latch = tmp.file("ESS_ON");
    const std::string seed = tmp.file("run/ESS_ON");
    const std::string audit = tmp.file("audit.log");
    test::RunOptions o;
    o.env["QUANTUM_ESS_LATCH"] = latch;
    o.env["QUANTUM_ESS_SEED_LATCH"] = seed;
    o.env["QUANTUM_ESS_UNITS"] = "qops-itest-no-such-unit";
    o.env["QT_AUDIT_LOG"] = audit;
    o.env["QUANTUM_REDIS_URL"] = "redis://127.0.0.1:1/0";
    o.env["SUDO_USER"] = "operator7";
    o.unset_env = {"QUANTUM_ESS_CANCEL_COMMAND", "QUANTUM_ESS_CANCEL_TIMEOUT", "QT_AUDIT_KEY_FILE"};

    SECTION("trip writes the latch and, with nothing verified stopped, FAILs; a second trip keeps the first "
            "latch and enforces again") {
        auto r = test::run({"emergency-stop", "trip", "--reason", "runaway orders"}, o);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("EMERGENCY STOP tripped by operator7: runaway orders"));
        CHECK_THAT(r.err, Catch::Contains("qops-itest-no-such-unit.service"));
        CHECK_THAT(r.err, Catch::Contains("NOT ENFORCED"));
        CHECK_THAT(r.err, !Catch::Contains("verified stopped after"));
        auto l = read_latch(latch);
        REQUIRE(l->has_value());
        CHECK((*l)->who == "operator7");
        CHECK_THAT((*l)->when, Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"));
        auto again = test::run({"emergency-stop", "trip", "--reason", "other"}, o);
        CHECK(again.exit_code == 1);
        CHECK_THAT(again.err, Catch::Contains("Already latched") && Catch::Contains("enforcing again"));
        CHECK((*read_latch(latch))->reason == "runaway orders");
        const auto log = test::slurp(audit);
        CHECK_THAT(log, Catch::Contains("ESS trip by operator7 (FAIL"));
        CHECK_THAT(log, Catch::Contains("qops-itest-no-such-unit.service=error"));
        CHECK_THAT(log, Catch::Contains("runaway orders"));
        CHECK_THAT(log, Catch::Contains("elapsed"));
    }
    SECTION("trip needs a reason") {
        CHECK(test::run({"emergency-stop", "trip"}, o).exit_code == 2);
        CHECK_FALSE(read_latch(latch)->has_value());
    }
    SECTION("reset needs --confirm and --reason, removes both latches and records who and why") {
        REQUIRE(write_latch(latch, {"r", "w", "t"}).ok());
        REQUIRE(write_latch(seed, {"s", "w", "t"}).ok());
        auto r = test::run({"emergency-stop", "reset"}, o);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--confirm"));
        CHECK(test::run({"emergency-stop", "reset", "--confirm"}, o).exit_code == 2);
        CHECK(read_latch(latch)->has_value());
        auto c = test::run({"emergency-stop", "reset", "--confirm", "--reason", "desk cleared it"}, o);
        CHECK(c.exit_code == 0);
        CHECK_THAT(c.err, Catch::Contains("removed"));
        CHECK_FALSE(read_latch(latch)->has_value());
        CHECK_FALSE(read_latch(seed)->has_value());
        CHECK_THAT(test::slurp(audit), Catch::Contains("ESS reset by operator7: desk cleared it"));
    }
    SECTION("a hand-made seed latch is enforced and made persistent") {
        REQUIRE(write_latch(seed, {"by hand", "", ""}).ok());
        auto r = test::run({"emergency-stop", "enforce"}, o);
        CHECK(r.exit_code == 1);
        auto l = read_latch(latch);
        REQUIRE(l->has_value());
        CHECK((*l)->reason == "by hand");
        CHECK_THAT(test::slurp(audit), Catch::Contains("ESS enforce by"));
    }
    SECTION("the cancel hook runs after the stops; its result is in the output, the audit log and status") {
        o.env["QUANTUM_ESS_CANCEL_COMMAND"] = "echo cancelled 42 orders";
        auto r = test::run({"emergency-stop", "trip", "--reason", "x"}, o);
        CHECK_THAT(r.err, Catch::Contains("cancel hook: exit status 0"));
        CHECK_THAT(test::slurp(audit), Catch::Contains("cancel exit status 0"));
        auto s = test::run({"emergency-stop", "status", "--json"}, o);
        CHECK_THAT(s.out, Catch::Contains("cancelled 42 orders") && Catch::Contains(R"("latched":true)") &&
                              Catch::Contains(R"("enforced":false)"));
    }
    SECTION("a hook that hangs is killed at its deadline and is a FAIL") {
        o.env["QUANTUM_ESS_CANCEL_COMMAND"] = "echo started; sleep 30";
        o.env["QUANTUM_ESS_CANCEL_TIMEOUT"] = "0.5";
        const auto t0 = std::chrono::steady_clock::now();
        auto r = test::run({"emergency-stop", "trip", "--reason", "x"}, o);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("cancel hook failed: timed out"));
        CHECK_THAT(test::slurp(audit), Catch::Contains("cancel timed out"));
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
        CHECK_THAT(h.out, Catch::Contains("replace-irreversibly") && Catch::Contains("cgroup.kill"));
    }
}
