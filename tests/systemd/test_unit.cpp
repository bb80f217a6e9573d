#include "systemd/unit.hpp"

#include <catch2/catch.hpp>

using qops::systemd::unit_name;

TEST_CASE("unit: names get .service like journalctl -u and systemctl") {
    CHECK(unit_name("quantum-apply-layer") == "quantum-apply-layer.service");
    CHECK(unit_name("quantum-apply-layer.service") == "quantum-apply-layer.service");
    CHECK(unit_name("quantum-exit-owner-watch.timer") == "quantum-exit-owner-watch.timer");
    CHECK(unit_name("quantum-x.scope") == "quantum-x.scope");
    CHECK(unit_name("quantum.apply") == "quantum.apply.service"); // a dot is not a unit type
}
