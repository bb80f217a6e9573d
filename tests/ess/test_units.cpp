#include "ess/units.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace qops::ess;
using qops::test::TempDir;

TEST_CASE("ess units: flags, environment, defaults, names") {
    ::unsetenv("QUANTUM_ESS_UNITS");
    ::setenv("QUANTUM_ESS_CONF", "/nonexistent/ess.conf", 1);
    CHECK(resolve_units({}) == default_units());
    CHECK(default_units().size() == 4);
    ::setenv("QUANTUM_ESS_UNITS", "a, b.service  c", 1);
    CHECK(resolve_units({}) == std::vector<std::string>{"a.service", "b.service", "c.service"});
    CHECK(resolve_units({"x"}) == std::vector<std::string>{"x.service"});
    ::unsetenv("QUANTUM_ESS_UNITS");
    ::unsetenv("QUANTUM_ESS_CONF");
}

TEST_CASE("ess units: /etc/quantum/ess.conf names every guarded unit, with comments") {
    TempDir tmp;
    ::unsetenv("QUANTUM_ESS_UNITS");
    ::setenv("QUANTUM_ESS_CONF",
             tmp.write("ess.conf", "# the desk's units\nquantum-ai-engine\n"
                                   "quantum-hedger.service, quantum-mm # market maker\n\n")
                 .c_str(),
             1);
    CHECK(resolve_units({}) ==
          std::vector<std::string>{"quantum-ai-engine.service", "quantum-hedger.service", "quantum-mm.service"});
    ::setenv("QUANTUM_ESS_CONF", tmp.write("empty.conf", "# nothing\n").c_str(), 1);
    CHECK(resolve_units({}) == default_units());
    ::unsetenv("QUANTUM_ESS_CONF");
}
