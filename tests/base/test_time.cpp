#include "base/time.hpp"

#include <catch2/catch.hpp>

using namespace qops;

TEST_CASE("time: UTC formats and civil days") {
    CHECK(iso8601_utc(1770080983) == "2026-02-03T01:09:43Z");
    CHECK(iso8601_utc_micros(1766000000123456) == "2025-12-17T19:33:20.123456Z");
    CHECK(iso8601_utc_micros(-1) == "1969-12-31T23:59:59.999999Z");
    CHECK(human_utc(0) == "1970-01-01 00:00:00");
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28) == 2); // leap day
    CHECK(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28) == 1);
}
