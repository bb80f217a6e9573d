#include "audit/segments.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace qops;
using namespace qops::audit;
using qops::test::TempDir;

namespace {

// A two-line log appended by the library, and its tree state.
TreeState two_lines(const std::string& log) {
    REQUIRE(append(log, {"one", "two"}, AppendOptions{false, nullptr, "test/quantum-ops/audit"}).ok());
    std::ifstream in(tree_path(log));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto s = TreeState::parse(text);
    REQUIRE(s.ok());
    return *s;
}

} // namespace

TEST_CASE("segments: written and read back, oldest first, in the log's directory") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    const TreeState s = two_lines(log);
    CHECK(read_segments(log)->empty());
    REQUIRE(write_segments(log, {{tmp.file("audit.log-20261201-1"), s}, {tmp.file("audit.log-20261202-2"), s}}).ok());
    auto back = read_segments(log);
    REQUIRE(back.ok());
    REQUIRE(back->size() == 2);
    CHECK(back->at(0).path == tmp.file("audit.log-20261201-1"));
    CHECK(same_tree(back->at(1).end, s));
}

TEST_CASE("segments: a garbled list is an integrity error") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    const std::string state = two_lines(log).serialize();
    for (const std::string& bad :
         std::vector<std::string>{"no-state\n", "a " + state, "../elsewhere " + state + "\n", "sub/dir " + state + "\n",
                                  " " + state + "\n", "a 12 0 zz\n"}) {
        std::ofstream(segments_path(log), std::ios::trunc) << bad;
        auto r = read_segments(log);
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
    }
}

TEST_CASE("segments: the renamed log is found by its size and last chain value, and only it") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    const TreeState s = two_lines(log);
    std::filesystem::rename(log, tmp.file("audit.log-20261202-1"));
    std::ofstream(tmp.file("audit.log.unrelated")) << "[2026-01-01T00:00:00.000000Z] other\n";
    std::ofstream(tmp.file("other.log-20261202-1")) << "not ours\n";
    auto found = find_renamed(log, s, {});
    REQUIRE(found.ok());
    REQUIRE(*found);
    CHECK(**found == tmp.file("audit.log-20261202-1"));
    // Already recorded: not found again.
    CHECK_FALSE(*find_renamed(log, s, {{tmp.file("audit.log-20261202-1"), s}}));
    // A copy beside it: which one is the log cannot be told.
    std::filesystem::copy_file(tmp.file("audit.log-20261202-1"), tmp.file("audit.log.1"));
    auto two = find_renamed(log, s, {});
    REQUIRE_FALSE(two.ok());
    CHECK(two.error().code == ExitCode::integrity);
}

TEST_CASE("segments: rotated names are <log>-YYYYMMDD-<epoch> in UTC") {
    CHECK(rotated_name("/var/log/quantum/audit.log", 1796226234) == "/var/log/quantum/audit.log-20261202-1796226234");
    CHECK(rotated_name("audit.log", 0) == "audit.log-19700101-0");
}
