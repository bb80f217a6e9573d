#include "support/temp_dir.hpp"
#include "watch/checkpoint.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

using namespace qops;
using namespace qops::test;

namespace {
constexpr const char* k_unit = "quantum-apply-layer.service";
}

TEST_CASE("checkpoint: checkpoint round trip") {
    TempDir dir;
    const std::string path = watch::checkpoint_path(dir.path(), k_unit);
    CHECK(path == dir.path() + "/exit-owner-watch.quantum-apply-layer.service.json");

    auto none = watch::load_checkpoint(path, k_unit);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    watch::Checkpoint cp{"s=abc;i=1f;b=def;m=1;t=5;x=9", 1'795'000'000'123'456, k_unit, 1'795'000'060'000'000};
    REQUIRE(watch::save_checkpoint(path, cp).ok());
    auto back = watch::load_checkpoint(path, k_unit);
    REQUIRE(back.ok());
    REQUIRE(back->has_value());
    CHECK((*back)->cursor == cp.cursor);
    CHECK((*back)->realtime_usec == cp.realtime_usec);
    CHECK((*back)->scanned_usec == cp.scanned_usec);

    // Replaced atomically: only the file itself remains, readable by owner and group only.
    size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        (void)e;
        ++files;
    }
    CHECK(files == 1);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("checkpoint: a corrupt or foreign checkpoint is an integrity error, not a crash") {
    TempDir dir;
    const std::string path = watch::checkpoint_path(dir.path(), k_unit);
    const char* bad_contents[] = {
        "",
        "not json",
        "{\"version\":1,\"cursor\":\"s=1\"",
        "[]",
        "{\"version\":2,\"cursor\":\"s=1\",\"realtime_usec\":5,\"unit\":\"quantum-apply-layer.service\"}",
        "{\"version\":1,\"cursor\":7,\"realtime_usec\":5,\"unit\":\"quantum-apply-layer.service\"}",
        "{\"version\":1,\"cursor\":\"s=1\",\"realtime_usec\":-5,\"unit\":\"quantum-apply-layer.service\"}",
        "{\"version\":1,\"cursor\":\"\",\"realtime_usec\":0,\"unit\":\"quantum-apply-layer.service\"}",
        "{\"version\":1,\"cursor\":\"s=1\",\"realtime_usec\":5,\"unit\":\"other.service\"}",
        "\xff\xfe\x00garbage",
    };
    for (const char* content : bad_contents) {
        INFO(content);
        dir.write("exit-owner-watch.quantum-apply-layer.service.json", content);
        auto r = watch::load_checkpoint(path, k_unit);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
    }
    // Too large to be ours.
    dir.write("exit-owner-watch.quantum-apply-layer.service.json", std::string(100 * 1024, ' '));
    auto big = watch::load_checkpoint(path, k_unit);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == ExitCode::integrity);
}

TEST_CASE("checkpoint: an unwritable state directory is a dependency failure") {
    TempDir dir;
    const std::string missing = dir.file("no/such/dir");
    auto r = watch::save_checkpoint(watch::checkpoint_path(missing, k_unit), watch::Checkpoint{"s=1", 5, k_unit, 1});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::unavailable);
}

TEST_CASE("checkpoint: only one run holds the checkpoint lock") {
    TempDir dir;
    const std::string path = watch::checkpoint_path(dir.path(), k_unit);
    auto first = watch::try_lock_checkpoint(path);
    REQUIRE(first.ok());
    CHECK(first->has_value());
    auto second = watch::try_lock_checkpoint(path);
    REQUIRE(second.ok());
    CHECK_FALSE(second->has_value());
    first->reset();
    auto third = watch::try_lock_checkpoint(path);
    REQUIRE(third.ok());
    CHECK(third->has_value());
}
