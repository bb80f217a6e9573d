#include "systemd/timespan.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace std::chrono_literals;

TEST_CASE("timespan: time spans read like systemd's") {
    auto us = [](std::string_view t) { return systemd::parse_timespan(t).value(); };
    CHECK(us("300s") == 300s);
    CHECK(us("5min") == 5min);
    CHECK(us("5m") == 5min);
    CHECK(us("300") == 300s);
    CHECK(us("1h") == 1h);
    CHECK(us("1h 30min") == 90min);
    CHECK(us("1h30min") == 90min);
    CHECK(us(" 2 days ") == 48h);
    CHECK(us("1w") == 7 * 24h);
    CHECK(us("1500ms") == 1500ms);

    for (auto bad : {"", "   ", "5x", "min", "0", "0s", "-5min", "5.5min", "99999999999999999999s", "5min,"}) {
        INFO(bad);
        auto r = systemd::parse_timespan(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::usage);
    }
}

TEST_CASE("timespan: time spans are printed the systemd way") {
    CHECK(systemd::format_timespan(5min) == "5min");
    CHECK(systemd::format_timespan(300s) == "5min");
    CHECK(systemd::format_timespan(3723s) == "1h 2min 3s");
    CHECK(systemd::format_timespan(26h) == "1d 2h");
    CHECK(systemd::format_timespan(0s) == "0s");
}
