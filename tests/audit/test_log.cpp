#include "audit/log.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace qops;
using namespace qops::audit;
using qops::test::lines_of;
using qops::test::slurp;
using qops::test::TempDir;

TEST_CASE("audit log: messages with newlines, TABs, control bytes and invalid UTF-8 read back equal") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    const std::vector<std::string> messages{"multi\nline\nmessage",
                                            "tab\there",
                                            std::string("nul\0byte", 8),
                                            "bell\x07 esc\x1b[31m",
                                            "bad \xff\xfe utf8",
                                            "ok é 日本",
                                            "trailing\\"};
    REQUIRE(append(log, messages, AppendOptions{}).ok());
    const auto lines = lines_of(slurp(log));
    REQUIRE(lines.size() == messages.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        auto e = parse_line(lines[i]);
        REQUIRE(e);
        CHECK(e->chain.has_value());
        CHECK(e->message == messages[i]);
    }
    CHECK(verify(log, VerifyOptions{})->ok());
}

TEST_CASE("audit log: parse_line reads chained and legacy entries and refuses what is not one") {
    const std::string chain(64, 'a');
    auto e = parse_line("[2025-12-17T17:39:46.725707Z] Auto-repair: done\t#" + chain);
    REQUIRE(e);
    CHECK(e->timestamp == "2025-12-17T17:39:46.725707Z");
    CHECK(e->message == "Auto-repair: done");
    CHECK(e->chain == chain);
    auto legacy = parse_line("[2025-12-17T17:39:46.725707Z] Test audit entry - system check");
    REQUIRE(legacy);
    CHECK_FALSE(legacy->chain);
    for (const char* bad : {"", "no stamp", "[2025-12-17] short", "[not a stamp at all] x", "    continuation"})
        CHECK_FALSE(parse_line(bad));
}

TEST_CASE("audit log: count_lines counts the lines that start with a bracket, across block boundaries") {
    TempDir tmp;
    std::string text;
    uint64_t entries = 0;
    for (int i = 0; i < 20000; ++i) {
        text += i % 7 == 0 ? std::string("continuation ") + std::string(static_cast<size_t>(i % 300), 'c') + "\n"
                           : "[2025-01-01T00:00:00.000000Z] entry " + std::to_string(i) + "\n";
        entries += i % 7 != 0;
    }
    text += "[2025-01-01T00:00:01.000000Z] unterminated";
    ++entries;
    std::ofstream(tmp.file("a.log"), std::ios::binary) << text;
    CHECK(*count_lines(tmp.file("a.log")) == entries);
    std::ofstream(tmp.file("empty.log"), std::ios::binary) << "";
    CHECK(*count_lines(tmp.file("empty.log")) == 0);
    CHECK_FALSE(count_lines(tmp.file("missing.log")).ok());
}
