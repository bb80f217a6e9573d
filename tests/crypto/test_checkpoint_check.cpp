#include "crypto/checkpoint_check.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace qops;
using namespace qops::crypto;

namespace {

// The unsigned checkpoint of the first n leaves "leaf 0".."leaf n-1".
CheckpointInput checkpoint_of(uint64_t n, const std::string& source) {
    Frontier f;
    for (uint64_t i = 0; i < n; ++i)
        f.append(leaf_hash("leaf " + std::to_string(i)));
    CheckpointBody b;
    b.origin = "test/quantum-ops/audit";
    b.size = n;
    b.root = f.root();
    return {source, b.text(), false};
}

} // namespace

TEST_CASE("checkpoint check: each checkpoint is checked when the leaves reach its size") {
    CheckpointCheck check({checkpoint_of(3, "three"), checkpoint_of(5, "five")}, {});
    for (int i = 0; i < 5; ++i)
        check.add_leaf(leaf_hash("leaf " + std::to_string(i)));
    check.finish();
    CHECK(check.problems().empty());
    for (const auto& c : check.checkpoints())
        CHECK(c.consistent);
}

TEST_CASE("checkpoint check: restart_at continues from a recorded frontier, skipping what it cannot check") {
    Frontier at4;
    for (int i = 0; i < 4; ++i)
        at4.append(leaf_hash("leaf " + std::to_string(i)));
    SECTION("the leaves after it hash to the later checkpoints") {
        CheckpointCheck check({checkpoint_of(2, "two"), checkpoint_of(4, "four"), checkpoint_of(6, "six")}, {});
        check.restart_at(at4);
        check.add_leaf(leaf_hash("leaf 4"));
        check.add_leaf(leaf_hash("leaf 5"));
        check.finish();
        CHECK(check.problems().empty());
        CHECK(check.skipped() == 1); // size 2: its leaves are gone
        CHECK_FALSE(check.checkpoints()[0].consistent);
        CHECK(check.checkpoints()[1].consistent); // size 4: the frontier's own root
        CHECK(check.checkpoints()[2].consistent);
    }
    SECTION("a frontier that is not the tree's is caught by the next checkpoint") {
        Frontier forged;
        for (int i = 0; i < 4; ++i)
            forged.append(leaf_hash("forged " + std::to_string(i)));
        CheckpointCheck check({checkpoint_of(6, "six")}, {});
        check.restart_at(forged);
        check.add_leaf(leaf_hash("leaf 4"));
        check.add_leaf(leaf_hash("leaf 5"));
        check.finish();
        REQUIRE(check.problems().size() == 1);
        CHECK(check.problems()[0].kind == "rewritten");
    }
}
