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

    watch::Checkpoint cp;
    cp.unit = k_unit;
    cp.scanned_usec = 1'795'000'060'000'000;
    cp.sources = {{"00000001aaaabbbbccccddddeeeeffff", "apply-host-1", "s=abc;i=1f;b=def;m=1;t=5;x=9",
                   1'795'000'000'123'456, 1'795'000'001'000'000},
                  {"00000002aaaabbbbccccddddeeeeffff", "apply-host-2", "", 1'795'000'000'000'000, 0}};
    REQUIRE(watch::save_checkpoint(path, cp).ok());
    auto back = watch::load_checkpoint(path, k_unit);
    REQUIRE(back.ok());
    REQUIRE(back->has_value());
    CHECK(**back == cp);
    CHECK(slurp(path).find("\"version\":2") != std::string::npos);

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

TEST_CASE("checkpoint: a format 1 checkpoint (one cursor) is read, and written back as format 2") {
    TempDir dir;
    const std::string path = watch::checkpoint_path(dir.path(), k_unit);
    dir.write("exit-owner-watch.quantum-apply-layer.service.json",
              "{\"version\":1,\"cursor\":\"s=abc;i=1f\",\"realtime_usec\":1795000000123456,"
              "\"unit\":\"quantum-apply-layer.service\",\"scanned_usec\":1795000060000000}\n");
    auto old = watch::load_checkpoint(path, k_unit);
    REQUIRE(old.ok());
    REQUIRE(old->has_value());
    const auto& cp = **old;
    CHECK(cp.legacy_cursor == "s=abc;i=1f");
    CHECK(cp.legacy_realtime_usec == 1'795'000'000'123'456);
    CHECK(cp.scanned_usec == 1'795'000'060'000'000);
    CHECK(cp.sources.empty());
    SECTION("a time-only one (no entry seen yet) too") {
        dir.write("exit-owner-watch.quantum-apply-layer.service.json",
                  "{\"version\":1,\"cursor\":\"\",\"realtime_usec\":5,\"unit\":\"quantum-apply-layer.service\"}");
        auto t = watch::load_checkpoint(path, k_unit);
        REQUIRE(t.ok());
        CHECK((*t)->legacy_realtime_usec == 5);
    }
    SECTION("saved as format 2, keeping the old cursor until a run replaces it") {
        REQUIRE(watch::save_checkpoint(path, cp).ok());
        CHECK(slurp(path).find("\"version\":2") != std::string::npos);
        auto back = watch::load_checkpoint(path, k_unit);
        REQUIRE(back.ok());
        CHECK(**back == cp);
    }
}

TEST_CASE("checkpoint: a corrupt or foreign checkpoint is an integrity error, not a crash") {
    TempDir dir;
    const std::string path = watch::checkpoint_path(dir.path(), k_unit);
    const char* bad_contents[] = {
        "",
        "not json",
        "{\"version\":1,\"cursor\":\"s=1\"",
        "[]",
        "{\"version\":3,\"cursor\":\"s=1\",\"realtime_usec\":5,\"unit\":\"quantum-apply-layer.service\"}",
        "{\"version\":2,\"cursor\":\"s=1\",\"realtime_usec\":5,\"unit\":\"quantum-apply-layer.service\"}",
        "{\"version\":2,\"unit\":\"quantum-apply-layer.service\",\"sources\":[{\"machine_id\":\"m\"}]}",
        "{\"version\":2,\"unit\":\"quantum-apply-layer.service\",\"sources\":[{\"machine_id\":\"m\",\"cursor\":\"\","
        "\"realtime_usec\":1},{\"machine_id\":\"m\",\"cursor\":\"\",\"realtime_usec\":2}]}",
        "{\"version\":2,\"unit\":\"other.service\",\"sources\":[]}",
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
    dir.write("exit-owner-watch.quantum-apply-layer.service.json", std::string(2 * 1024 * 1024, ' '));
    auto big = watch::load_checkpoint(path, k_unit);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == ExitCode::integrity);
}

TEST_CASE("checkpoint: an unwritable state directory is a dependency failure") {
    TempDir dir;
    const std::string missing = dir.file("no/such/dir");
    auto r = watch::save_checkpoint(watch::checkpoint_path(missing, k_unit), watch::Checkpoint{k_unit, 1, {}, {}, 0});
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
