#include "policy/accepted.hpp"

#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

using namespace qops;
using namespace qops::policy;

TEST_CASE("policy accepted state: rollback and equivocation are integrity failures") {
    test::TempDir tmp;
    const std::string dir = tmp.file("state");
    const std::string h1(64, '1'), h2(64, '2');
    CHECK(read_accepted(dir)->seq == 0);
    REQUIRE(check_and_record(dir, 10, h1).ok()); // creates the directory
    CHECK(read_accepted(dir)->seq == 10);
    CHECK(read_accepted(dir)->hash == h1);
    SECTION("the same policy again") {
        CHECK(check_and_record(dir, 10, h1).ok());
    }
    SECTION("a newer policy moves the mark") {
        CHECK(check_and_record(dir, 11, h2).ok());
        CHECK(read_accepted(dir)->seq == 11);
        CHECK(check_and_record(dir, 10, h1).error().code == ExitCode::integrity);
    }
    SECTION("an older one (replay)") {
        auto r = check_and_record(dir, 9, h2);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK_THAT(r.error().message, Catch::Contains("rollback"));
        CHECK(read_accepted(dir)->seq == 10);
    }
    SECTION("the same seq with another document") {
        auto r = check_and_record(dir, 10, h2);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK_THAT(r.error().message, Catch::Contains("equivocation"));
    }
    SECTION("a garbled state file is not silently reset") {
        tmp.write("state/policy-accepted", "garbage");
        CHECK(check_and_record(dir, 11, h1).error().code == ExitCode::integrity);
    }
    SECTION("a state directory that cannot be written is exit 3") {
        if (::geteuid() == 0) QOPS_SKIP("root writes to a read-only directory");
        ::chmod(dir.c_str(), 0500);
        CHECK(check_and_record(dir, 11, h1).error().code == ExitCode::unavailable);
        ::chmod(dir.c_str(), 0700);
    }
}
