#include "crypto/base64.hpp"
#include "crypto/hex.hpp"
#include "crypto/merkle.hpp"
#include "support/go_tool.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <sstream>

using namespace qops;
using namespace qops::crypto;

namespace {

std::string hex(const Hash& h) {
    return to_hex(h.data(), h.size());
}

std::string b64(const Hash& h) {
    return base64_encode(std::string_view(reinterpret_cast<const char*>(h.data()), 32));
}

// The leaves of RFC 6962's reference test vectors (certificate-transparency's
// merkle_tree_test), as raw bytes.
const std::vector<std::string> k_vector_leaves = {
    std::string(),
    std::string("\x00", 1),
    std::string("\x10", 1),
    std::string("\x20\x21", 2),
    std::string("\x30\x31", 2),
    std::string("\x40\x41\x42\x43", 4),
    std::string("\x50\x51\x52\x53\x54\x55\x56\x57", 8),
    std::string("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16),
};

} // namespace

TEST_CASE("merkle: RFC 6962 reference roots for 0 to 8 leaves") {
    const std::vector<std::string> roots = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };
    Frontier f;
    std::vector<Hash> leaves;
    CHECK(hex(f.root()) == roots[0]);
    for (size_t i = 0; i < k_vector_leaves.size(); ++i) {
        f.append(leaf_hash(k_vector_leaves[i]));
        leaves.push_back(leaf_hash(k_vector_leaves[i]));
        INFO("size " << i + 1);
        CHECK(hex(f.root()) == roots[i + 1]);
        CHECK(hex(tree_hash(leaves)) == roots[i + 1]);
    }
}

TEST_CASE("merkle: the frontier's root is the tree hash at every size, with O(log n) state") {
    std::mt19937 rng(2024);
    Frontier f;
    std::vector<Hash> leaves;
    for (int i = 0; i < 600; ++i) {
        const std::string leaf = std::to_string(rng());
        f.append(leaf_hash(leaf));
        leaves.push_back(leaf_hash(leaf));
        INFO("size " << f.size());
        REQUIRE(f.root() == tree_hash(leaves));
        REQUIRE(f.serialize().size() <= 21 + 65 * 64); // one hash per set bit of the size
    }
}

TEST_CASE("merkle: the frontier's state round-trips and a damaged one is refused") {
    Frontier f;
    for (int i = 0; i < 13; ++i)
        f.append(leaf_hash(std::to_string(i)));
    auto back = Frontier::parse(f.serialize());
    REQUIRE(back.ok());
    CHECK(back->size() == 13);
    CHECK(back->root() == f.root());
    back->append(leaf_hash("13"));
    f.append(leaf_hash("13"));
    CHECK(back->root() == f.root());
    CHECK(Frontier::parse("0").ok());
    for (const std::string& bad :
         std::vector<std::string>{"", "x", "13", "1 zz", "2 " + std::string(64, 'a') + " " + std::string(64, 'b'),
                                  "-1 " + std::string(64, 'a'), "1 " + std::string(63, 'a')}) {
        INFO(bad);
        auto r = Frontier::parse(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
    }
}

TEST_CASE("merkle: Go's checksum-database tlog computes the same roots (independent implementation)") {
    test::TempDir tmp;
    const auto tool = test::build_go_tool(tmp, "crypto/tlog_root.go");
    if (!tool) QOPS_SKIP("go (golang-go, golang-golang-x-mod-dev) is not installed");

    std::mt19937 rng(7);
    std::string input;
    std::string sizes;
    Frontier f;
    std::vector<std::string> ours;
    for (int i = 1; i <= 257; ++i) {
        std::string leaf = "[2026-12-02T07:00:00." + std::to_string(rng()) + "Z] entry " + std::to_string(i);
        input += leaf + "\n";
        f.append(leaf_hash(leaf));
        sizes += (sizes.empty() ? "" : ",") + std::to_string(i);
        ours.push_back(std::to_string(i) + " " + b64(f.root()));
    }
    test::RunOptions feed;
    feed.stdin_data = input;
    auto r = test::run({*tool, "-at", sizes}, feed);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.out);
    size_t i = 0;
    for (std::string line; std::getline(lines, line); ++i) {
        REQUIRE(i < ours.size());
        CHECK(line == ours[i]);
    }
    CHECK(i == ours.size());
}
