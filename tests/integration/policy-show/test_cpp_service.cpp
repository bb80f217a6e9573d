// A C++ service reads the policy through the installed library: the build tree is
// installed into a prefix, a three-line service is compiled against
// <quantum-ops/policy_reader.hpp> with `pkg-config quantum-ops-policy`, and run against a
// real redis-server: it gets the policy refresh stored, and exactly policy-show's exit
// code when the policy is tampered with, unsigned or unreachable.
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace qops;
using namespace qops::test;

namespace {

const char* const k_service = R"(#include <quantum-ops/policy_reader.hpp>

#include <cstdio>

int main() {
    try {
        quantum_ops::PolicyReader reader;
        const quantum_ops::Policy policy = reader.load();
        std::printf("seq=%lld leverage_max=%g exit_owner=%s\n", static_cast<long long>(policy.policy_seq),
                    policy.leverage_max, policy.exit_owner.c_str());
        return 0;
    } catch (const quantum_ops::PolicyUnavailable& e) {
        std::fprintf(stderr, "policy unavailable (%d): %s\n", e.exit_code(), e.what());
        return e.exit_code();
    }
}
)";

// Installs the build tree (prefix /usr) under a temporary DESTDIR and builds the service
// there (once per run).
struct Installed {
    TempDir tmp;
    std::string prefix = tmp.file("usr");
    std::string service = tmp.file("service");
    std::string libdir;

    Installed() {
        // DESTDIR, not --prefix: the configuration files have absolute destinations
        // (/etc/quantum), which must land under the test's directory, not on the host.
        RunOptions destdir;
        destdir.env["DESTDIR"] = tmp.path();
        auto inst = run({"cmake", "--install", QOPS_BUILD_DIR}, destdir);
        INFO(inst.out << inst.err);
        REQUIRE(inst.exit_code == 0);
        auto pc = run({"find", prefix, "-name", "quantum-ops-policy.pc"});
        REQUIRE(pc.exit_code == 0);
        const std::string pc_file = pc.out.substr(0, pc.out.find('\n'));
        REQUIRE_FALSE(pc_file.empty());
        const std::string pc_dir = pc_file.substr(0, pc_file.rfind('/'));
        libdir = pc_dir.substr(0, pc_dir.rfind('/'));
        RunOptions o;
        o.env["PKG_CONFIG_PATH"] = pc_dir;
        auto flags =
            run({"pkg-config", "--define-variable=prefix=" + prefix, "--cflags", "--libs", "quantum-ops-policy"}, o);
        INFO(flags.err);
        REQUIRE(flags.exit_code == 0);
        std::vector<std::string> cc = {"c++",     "-std=c++17", "-Wall", "-Wextra",
                                       "-Werror", "-o",         service, tmp.write("service.cpp", k_service)};
        std::istringstream words(flags.out);
        for (std::string w; words >> w;)
            cc.push_back(w);
        cc.push_back("-Wl,-rpath," + libdir);
        if (QOPS_SANITIZE) cc.push_back("-fsanitize=address,undefined");
        auto built = run(cc);
        INFO(built.err);
        REQUIRE(built.exit_code == 0);
    }
};

const Installed& installed() {
    static const Installed once;
    return once;
}

} // namespace

TEST_CASE("C++ service: the installed reader gives the stored policy and fails closed as policy-show does") {
    const Installed& lib = installed();
    RedisServer redis;
    PolicyKeys keys;
    RunOptions o = keys.env();
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    REQUIRE(
        run({"policy-refresh", "--policy", std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json"}, o).exit_code ==
        0);

    auto ok = run({lib.service}, o);
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    const std::string seq(redis.cmd({"HGET", "quantum:policy:current", "policy_seq"}).str());
    CHECK_THAT(ok.out, Catch::StartsWith("seq=" + seq + " leverage_max="));

    SECTION("policy_json edited in Redis: 4, as policy-show") {
        redis.cmd({"HSET", "quantum:policy:current", "policy_json", "{\"leverage\":{\"min\":100,\"max\":125}}"});
        auto r = run({lib.service}, o);
        CHECK(r.exit_code == 4);
        CHECK(run({"policy-show"}, o).exit_code == 4);
    }
    SECTION("no verifier keys configured: 4") {
        o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = "/nonexistent/policy-verifier-keys";
        auto r = run({lib.service}, o);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("policy unavailable (4)"));
    }
    SECTION("Redis down: 3") {
        redis.stop();
        CHECK(run({lib.service}, o).exit_code == 3);
    }
}

TEST_CASE("C++ service: the library exports the quantum_ops interface only") {
    const Installed& lib = installed();
    auto nm = run({"sh", "-c", "nm -D --defined-only '" + lib.libdir + "/libquantum-ops-policy.so' | c++filt"});
    REQUIRE(nm.exit_code == 0);
    std::istringstream lines(nm.out);
    size_t exported = 0;
    for (std::string line; std::getline(lines, line);) {
        const std::string symbol = line.substr(line.find(' ', line.find(' ') + 1) + 1);
        INFO(symbol);
        const bool ours = symbol.starts_with("quantum_ops::") || symbol.starts_with("typeinfo for quantum_ops::") ||
                          symbol.starts_with("typeinfo name for quantum_ops::") ||
                          symbol.starts_with("vtable for quantum_ops::") || symbol.starts_with("QUANTUM_OPS_POLICY_0");
        CHECK(ours);
        ++exported;
    }
    CHECK(exported > 5);
    auto soname = run({"sh", "-c", "readelf -d '" + lib.libdir + "/libquantum-ops-policy.so' | grep SONAME"});
    CHECK_THAT(soname.out, Catch::Contains("[libquantum-ops-policy.so.0]"));
}
