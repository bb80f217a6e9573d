#include "net/outbox.hpp"

#include "base/time.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace qops;
using namespace qops::net;

namespace {

OutboxEntry entry(const std::string& key, int64_t queued) {
    return OutboxEntry{key, "subject " + key, "text " + key, queued, 0, {}};
}

} // namespace

TEST_CASE("outbox: a key is queued once, and never again once acknowledged") {
    test::TempDir tmp;
    auto box = Outbox::open(tmp.file("box"));
    REQUIRE(box.ok());
    CHECK(box->add(entry("unit:abc:1-2", 20)).value() == true);
    CHECK(box->add(entry("unit:abc:1-2", 30)).value() == false); // the same batch re-sent
    CHECK(box->add(entry("unit:abc:3-3", 10)).value() == true);

    auto pending = box->pending();
    REQUIRE(pending.ok());
    REQUIRE(pending->size() == 2);
    CHECK(pending->at(0).key == "unit:abc:3-3"); // oldest first
    CHECK(pending->at(1).text == "text unit:abc:1-2");

    SECTION("progress survives a reopen") {
        auto e = pending->at(1);
        e.done = {"webhook"};
        e.attempts = 2;
        REQUIRE(box->save(e).ok());
        auto again = Outbox::open(tmp.file("box"))->pending();
        REQUIRE(again->size() == 2);
        CHECK(again->at(1).done == std::vector<std::string>{"webhook"});
        CHECK(again->at(1).attempts == 2);
    }
    SECTION("acknowledged: gone from pending, refused when queued again") {
        REQUIRE(box->acknowledge(pending->at(1)).ok());
        CHECK(box->pending()->size() == 1);
        CHECK(box->add(entry("unit:abc:1-2", 40)).value() == false);
        SECTION("until the delivered key is forgotten") {
            box->prune_sent(now_epoch_seconds() + 10 * 24 * 3600, std::chrono::hours(24));
            CHECK(box->add(entry("unit:abc:1-2", 40)).value() == true);
        }
    }
    SECTION("dropped: may be queued again") {
        REQUIRE(box->drop(pending->at(0)).ok());
        CHECK(box->add(entry("unit:abc:3-3", 50)).value() == true);
    }
    SECTION("a corrupt file is skipped and counted") {
        tmp.write("box/pending/0000.json", "{not json");
        size_t skipped = 0;
        CHECK(box->pending(&skipped)->size() == 2);
        CHECK(skipped == 1);
    }
}

TEST_CASE("outbox: one deliverer at a time") {
    test::TempDir tmp;
    auto box = Outbox::open(tmp.file("box"));
    REQUIRE(box.ok());
    auto first = box->lock(std::chrono::milliseconds(0));
    REQUIRE(first.ok());
    REQUIRE(first->has_value());
    // flock locks belong to the open file: a second open in this process conflicts too.
    auto second = box->lock(std::chrono::milliseconds(50));
    REQUIRE(second.ok());
    CHECK_FALSE(second->has_value());
}
