#include "base/file.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace qops;
using qops::test::TempDir;

TEST_CASE("file: whole files, size limits and missing files") {
    TempDir tmp;
    std::string content;
    for (int i = 0; i < 100000; ++i)
        content += std::to_string(i) + "\n";
    auto whole = read_file(tmp.write("f", content));
    REQUIRE(whole.ok());
    CHECK(*whole == content);
    auto empty = read_file(tmp.write("empty", ""));
    REQUIRE(empty.ok());
    CHECK(empty->empty());
    auto missing = read_file(tmp.file("nope"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("No such file"));
    auto big = read_file(tmp.write("big", std::string(100, 'x')), 10);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == ExitCode::usage);
    // Files fstat cannot size are read whole too.
    auto proc = read_file("/proc/self/status");
    REQUIRE(proc.ok());
    CHECK_THAT(*proc, Catch::Contains("Pid:"));
}

TEST_CASE("file: lines of a range, across block boundaries, with the unterminated rest") {
    TempDir tmp;
    std::string content;
    std::vector<std::string> expected;
    for (int i = 0; i < 200000; ++i) {
        expected.push_back(std::string(static_cast<size_t>(i % 97), 'a' + static_cast<char>(i % 26)));
        content += expected.back() + "\n";
    }
    content += "tail without newline";
    auto fd = open_read(tmp.write("lines", content));
    REQUIRE(fd.ok());
    std::vector<std::string> seen;
    auto rest = for_each_line(fd->get(), 0, file_size(fd->get()), [&](std::string_view l) { seen.emplace_back(l); });
    REQUIRE(rest.ok());
    CHECK(*rest == "tail without newline");
    CHECK(seen == expected);
}
