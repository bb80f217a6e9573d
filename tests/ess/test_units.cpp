#include "ess/units.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace qops::ess;

TEST_CASE("ess units: flags, environment, defaults, names") {
    ::unsetenv("QUANTUM_ESS_UNITS");
    CHECK(resolve_units({}) == default_units());
    CHECK(default_units().size() == 4);
    ::setenv("QUANTUM_ESS_UNITS", "a, b.service  c", 1);
    CHECK(resolve_units({}) == std::vector<std::string>{"a.service", "b.service", "c.service"});
    CHECK(resolve_units({"x"}) == std::vector<std::string>{"x.service"});
    ::unsetenv("QUANTUM_ESS_UNITS");
}
