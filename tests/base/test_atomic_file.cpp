#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

using namespace qops;
using qops::test::slurp;
using qops::test::TempDir;

namespace {

size_t entries_in(const std::string& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir))
        ++n;
    return n;
}

} // namespace

TEST_CASE("atomic file: replaced only on commit") {
    TempDir tmp;
    const std::string path = tmp.file("f.txt");
    REQUIRE(write_file_atomic(path, "old").ok());
    {
        auto f = AtomicFile::create(path);
        REQUIRE(f.ok());
        REQUIRE(f->write("new content").ok());
        CHECK(slurp(path) == "old"); // not yet
    }
    CHECK(slurp(path) == "old"); // destroyed without commit: untouched, temp removed
    CHECK(entries_in(tmp.path()) == 1);
    {
        auto f = AtomicFile::create(path, 0640);
        REQUIRE(f.ok());
        REQUIRE(f->write("new").ok());
        REQUIRE(f->commit().ok());
    }
    CHECK(slurp(path) == "new");
    CHECK(entries_in(tmp.path()) == 1);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("atomic file: a failed commit leaves neither the temp file nor a changed target") {
    TempDir tmp;
    const std::string path = tmp.file("f.txt");
    REQUIRE(write_file_atomic(path, "old").ok());
    // A directory where the target is: the rename fails after the temp file was written.
    const std::string dir_target = tmp.file("d");
    std::filesystem::create_directory(dir_target);
    std::filesystem::create_directory(dir_target + "/busy");
    {
        auto f = AtomicFile::create(dir_target);
        REQUIRE(f.ok());
        REQUIRE(f->write("x").ok());
        auto r = f->commit();
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::unavailable);
    }
    CHECK(entries_in(tmp.path()) == 2); // f.txt and d, no temp file
    CHECK(slurp(path) == "old");
}

TEST_CASE("atomic file: errors are values") {
    TempDir tmp;
    auto r = write_file_atomic(tmp.file("missing-dir/f"), "x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("No such file"));
}

TEST_CASE("atomic file: pieces are written in order, past writev's limit of 1024") {
    TempDir tmp;
    const std::string path = tmp.file("pieces.txt");
    std::vector<std::string> owned;
    for (int i = 0; i < 3000; ++i)
        owned.push_back(i % 7 == 0 ? std::string() : std::to_string(i) + ",");
    const std::string big(1u << 20, 'z'); // larger than one pipe or socket buffer
    owned.push_back(big);
    std::vector<std::string_view> pieces(owned.begin(), owned.end());
    std::string expected;
    for (const auto& o : owned)
        expected += o;
    REQUIRE(write_file_atomic(path, std::span<const std::string_view>(pieces), 0600).ok());
    CHECK(slurp(path) == expected);
    // Nothing to write is an empty file, not an error.
    REQUIRE(write_file_atomic(path, std::span<const std::string_view>()).ok());
    CHECK(slurp(path).empty());
}
