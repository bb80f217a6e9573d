// What the build promises about the installed binaries: Debian's hardening, every
// dependency linked shared (so its security updates reach the tools), nothing loaded
// with dlopen.
#include "support/run.hpp"
#include "support/skip.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

using namespace qops;

namespace {

const std::vector<std::string> k_tools = {"audit-log",         "audit-summary",  "emergency-stop", "exit-owner-watch",
                                          "ops-ledger-append", "policy-refresh", "policy-show",    "quantum-status"};

std::vector<std::string> needed_libraries(const std::string& tool) {
    auto r = test::run({"readelf", "-d", test::tool_path(tool)});
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> needed;
    for (size_t at = r.out.find("Shared library: ["); at != std::string::npos;
         at = r.out.find("Shared library: [", at + 1)) {
        const size_t begin = at + 17;
        needed.push_back(r.out.substr(begin, r.out.find(']', begin) - begin));
    }
    return needed;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string slurp_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("build: every tool passes hardening-check") {
    if (QOPS_SANITIZE) QOPS_SKIP("the sanitizer tree builds without FORTIFY_SOURCE, which ASan replaces");
    for (const auto& tool : k_tools) {
        // Control-flow protection (CET) is not part of Debian 12's hardening=+all, and its
        // own binaries (/usr/bin/ls) fail that check too.
        auto r = test::run({"hardening-check", "--nocfprotection", test::tool_path(tool)});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
    }
}

TEST_CASE("build: the hardening flags are dpkg-buildflags' hardening=+all") {
    if (QOPS_SANITIZE) QOPS_SKIP("the sanitizer tree builds without FORTIFY_SOURCE, which ASan replaces");
    test::RunOptions o;
    o.env["DEB_BUILD_MAINT_OPTIONS"] = "hardening=+all";
    const std::string commands = slurp_file(std::string(QOPS_BUILD_DIR) + "/compile_commands.json");
    REQUIRE_FALSE(commands.empty());
    for (const char* kind : {"CPPFLAGS", "CXXFLAGS"}) {
        auto r = test::run({"dpkg-buildflags", "--get", kind}, o);
        REQUIRE(r.exit_code == 0);
        std::istringstream flags(r.out);
        for (std::string flag; flags >> flag;) {
            // Optimisation, debug info and path mapping are the build type's business.
            if (flag.rfind("-O", 0) == 0 || flag == "-g" || flag.rfind("-ffile-prefix-map", 0) == 0 ||
                flag == "-Wdate-time")
                continue;
            INFO(kind << " flag " << flag);
            CHECK(commands.find(" " + flag + " ") != std::string::npos);
        }
    }
}

TEST_CASE("build: every dependency is linked shared and nothing is loaded with dlopen") {
    // The shared objects whose security updates must reach the tools without a rebuild.
    const std::map<std::string, std::vector<std::string>> expected = {
        {"policy-refresh", {"libcrypto.so.3", "libhiredis.so.0.14", "libfmt.so.9"}},
        {"policy-show", {"libcrypto.so.3", "libhiredis.so.0.14", "libfmt.so.9"}},
        {"exit-owner-watch", {"libsystemd.so.0", "libhiredis.so.0.14", "libfmt.so.9"}},
        {"audit-summary", {"libcurl.so.4", "libfmt.so.9"}},
        {"ops-ledger-append", {"libyaml-cpp.so.0.7", "libsystemd.so.0", "libcurl.so.4", "libcrypto.so.3"}},
        {"emergency-stop", {"libsystemd.so.0", "libhiredis.so.0.14"}},
        {"audit-log", {"libcrypto.so.3"}},
        {"quantum-status", {"libsystemd.so.0", "libhiredis.so.0.14", "libcrypto.so.3", "libfmt.so.9"}},
    };
    for (const auto& tool : k_tools) {
        const auto needed = needed_libraries(tool);
        INFO(tool);
        CHECK(contains(needed, "libstdc++.so.6"));
        for (const auto& lib : expected.at(tool)) {
            INFO("needs " << lib);
            CHECK(contains(needed, lib));
        }
        auto syms = test::run({"nm", "-D", "--undefined-only", test::tool_path(tool)});
        REQUIRE(syms.exit_code == 0);
        CHECK(syms.out.find(" dlopen") == std::string::npos);
    }
}

TEST_CASE("build: every C++ file follows .clang-format") {
    if (QOPS_SANITIZE) QOPS_SKIP("checked once, in the Release tree");
    test::RunOptions o;
    o.cwd = QOPS_SOURCE_DIR;
    auto r = test::run({"bash", "scripts/check-format.sh"}, o);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
}
