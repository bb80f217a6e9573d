#include "base/file_lock.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using qops::test::TempDir;

TEST_CASE("file lock: exclusive between processes, released with the object") {
    TempDir tmp;
    const std::string path = tmp.file("x.lock");
    {
        auto held = FileLock::acquire(path);
        REQUIRE(held.ok());
        // flock(1) from util-linux: another process cannot take it while we hold it.
        auto other = test::run({"flock", "--nonblock", path, "true"});
        CHECK(other.exit_code == 1);
        // Nor can another open file description in this process.
        auto again = FileLock::try_acquire(path);
        REQUIRE(again.ok());
        CHECK_FALSE(again->has_value());
    }
    auto free = test::run({"flock", "--nonblock", path, "true"});
    CHECK(free.exit_code == 0);
    auto taken = FileLock::try_acquire(path);
    REQUIRE(taken.ok());
    CHECK(taken->has_value());
}

TEST_CASE("file lock: a lock file that cannot be created is an unavailable error") {
    auto r = FileLock::acquire("/nonexistent-dir/x.lock");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("/nonexistent-dir/x.lock"));
}
