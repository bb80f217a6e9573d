#include "crypto/checkpoint.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace qops::crypto;

TEST_CASE("checkpoint: the C2SP tlog-checkpoint body, written and read back") {
    CheckpointBody cp;
    cp.origin = "host-1/quantum-ops/audit";
    cp.size = 42;
    cp.root = leaf_hash("x");
    const std::string text = cp.text();
    CHECK(text.rfind("host-1/quantum-ops/audit\n42\n", 0) == 0);
    CHECK(text.back() == '\n');
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
    auto back = parse_checkpoint_body(text);
    REQUIRE(back.ok());
    CHECK(back->origin == cp.origin);
    CHECK(back->size == 42);
    CHECK(back->root == cp.root);
    cp.extensions = {"rotated-from 41"};
    auto ext = parse_checkpoint_body(cp.text());
    REQUIRE(ext.ok());
    CHECK(ext->extensions == std::vector<std::string>{"rotated-from 41"});
}

TEST_CASE("checkpoint: what is not a checkpoint body is an integrity error") {
    const std::string root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    for (const std::string& bad : std::vector<std::string>{
             std::string(), "origin\n1\n" + root, "origin\n1\n", "\n1\n" + root + "\n", "origin\n01\n" + root + "\n",
             "origin\n-1\n" + root + "\n", "origin\n1x\n" + root + "\n", "origin\n1\nnot-base64\n", "origin\n1\nAAAA\n",
             "origin\n1\n" + root + "\n\n"}) {
        INFO(bad);
        auto r = parse_checkpoint_body(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
    }
    CHECK(parse_checkpoint_body("origin\n0\n" + root + "\n").ok());
}
