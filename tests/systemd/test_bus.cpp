#include "systemd/bus.hpp"

#include <catch2/catch.hpp>

using namespace qops::systemd;

// Where a systemd answers (the proof harness, a developer's machine), a misspelled name
// must come back as not-found, never as an inactive unit; where none answers, the
// connection fails as "unavailable" at once instead of hanging.
TEST_CASE("bus: a unit name that does not exist is not-found, not inactive") {
    auto bus = Bus::open_manager();
    if (!bus) {
        CHECK(bus.error().code == qops::ExitCode::unavailable);
        return;
    }
    bus->set_call_timeout(std::chrono::milliseconds(500));
    auto info = bus->unit_info("qops-test-no-such-unit-4f2a.service");
    REQUIRE(info.ok());
    CHECK(info->load_state == "not-found");
    CHECK(info->control_group.empty());
}
