#include "ess/stop.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace qops::ess;
using qops::test::TempDir;

TEST_CASE("ess stop: a cgroup's pids come from cgroup.procs, and a missing cgroup is empty") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path() + "/system.slice/a.service");
    std::ofstream(tmp.path() + "/system.slice/a.service/cgroup.procs") << "12\n345\n";
    CHECK(cgroup_pids(tmp.path(), "/system.slice/a.service") == std::vector<long>{12, 345});
    CHECK(cgroup_pids(tmp.path(), "/system.slice/gone.service").empty());
    CHECK(cgroup_pids(tmp.path(), "").empty());
    REQUIRE(cgroup_kill(tmp.path(), "/system.slice/a.service").ok());
    std::ifstream in(tmp.path() + "/system.slice/a.service/cgroup.kill");
    std::string v;
    in >> v;
    CHECK(v == "1");
    CHECK_FALSE(cgroup_kill(tmp.path(), "/").ok());
}

TEST_CASE("ess stop: without a connection to systemd nothing is ever reported stopped") {
    TempDir tmp;
    StopOptions o;
    o.cgroup_root = tmp.path();
    auto r = stop_units(nullptr, {"quantum-execution.service", "quantum-governor.service"}, o);
    CHECK_FALSE(r.all_stopped);
    REQUIRE(r.units.size() == 2);
    for (const auto& u : r.units) {
        CHECK_FALSE(u.stopped);
        CHECK(u.outcome == "error");
    }
    CHECK(r.transport == "none");
}
