#include "commands/log.hpp"

#include <catch2/catch.hpp>

using namespace qops::commands;

TEST_CASE("log: the contract's line formats") {
    using log::Level;
    CHECK(log::format_line(Level::info, "POLICY-REFRESH", "Generating fresh policy...", false, 1770080983) ==
          "2026-02-03 01:09:43 [POLICY-REFRESH] INFO: Generating fresh policy...");
    CHECK(log::format_line(Level::ok, "T", "m", false, 0) == "1970-01-01 00:00:00 [T] OK: m");
    SECTION("journald form: priority prefix instead of the timestamp") {
        CHECK(log::format_line(Level::info, "T", "m", true, 0) == "<6>[T] INFO: m");
        CHECK(log::format_line(Level::ok, "T", "m", true, 0) == "<6>[T] OK: m");
        CHECK(log::format_line(Level::warn, "T", "m", true, 0) == "<4>[T] WARN: m");
        CHECK(log::format_line(Level::fail, "T", "m", true, 0) == "<3>[T] FAIL: m");
    }
    SECTION("one call is one line, with no control sequence left") {
        CHECK(log::format_line(Level::fail, "T", "a\nb\r", true, 0) == "<3>[T] FAIL: a\\nb\\r");
        CHECK(log::format_line(Level::warn, "T", "\x1b[2J\x1b]0;x\x07", false, 0) ==
              "1970-01-01 00:00:00 [T] WARN: \\x1b[2J\\x1b]0;x\\x07");
    }
}
