#include "support/redis_server.hpp"
#include "watch/alert.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace qops;
using namespace qops::test;

TEST_CASE("alert: the dedup key follows the first and last cursor") {
    const std::string s1 = "7cf1ab135a2f4a699f0c7df5c70f84d8";
    const std::string s2 = "0123456789abcdef0123456789abcdef";
    const auto cursor = [](const std::string& s, const char* i) {
        return "s=" + s + ";i=" + i + ";b=6c1b0c0d5e8f4a2b9c3d4e5f60718293;m=1;t=2;x=3";
    };
    const auto k = watch::dedup_key("u.service", cursor(s1, "f4230"), cursor(s1, "f4232"));
    CHECK(k == "u.service:" + s1 + ":f4230-f4232");
    CHECK(k == watch::dedup_key("u.service", cursor(s1, "f4230"), cursor(s1, "f4232")));
    CHECK(k != watch::dedup_key("u.service", cursor(s1, "f4230"), cursor(s1, "f4233")));
    CHECK(k != watch::dedup_key("v.service", cursor(s1, "f4230"), cursor(s1, "f4232")));
    SECTION("matches from two sequences (a fleet directory) name both") {
        CHECK(watch::dedup_key("u.service", cursor(s1, "a"), cursor(s2, "b")) == "u.service:" + s1 + ":a-" + s2 + ":b");
    }
    SECTION("text that is not a cursor is kept whole rather than guessed at") {
        CHECK(watch::dedup_key("u.service", "c1", "c2") == "u.service:c1:c2");
    }
}

TEST_CASE("alert: a source with only unreadable entries still alerts, keyed by the range it read") {
    watch::SourceScan scan;
    CHECK_FALSE(watch::needs_alert(scan));
    scan.unreadable = 2;
    scan.resume = watch::Resume::cursor;
    scan.previous.cursor = "s=0123456789abcdef0123456789abcdef;i=10";
    scan.end_cursor = "s=0123456789abcdef0123456789abcdef;i=14";
    CHECK(watch::needs_alert(scan));
    const auto key = watch::source_dedup_key("u.service", scan);
    CHECK(key == "u.service:0123456789abcdef0123456789abcdef:10-14");
    watch::AlertContext ctx{"u.service", "5min", "checkpoint", "local", "watch-host", 1, true};
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : watch::alert_fields(scan, ctx))
        m[k] = v;
    CHECK(m.at("deny_count") == "0");
    CHECK(m.at("unreadable") == "2");
    CHECK(m.at("gap") == "1");
    CHECK(m.at("first_ts").empty());
    CHECK(m.at("dedup_key") == key);
}

TEST_CASE("alert: the alert carries the contract's fields and is stored in the stream") {
    watch::SourceScan scan;
    scan.machine_id = "00000002aaaabbbbccccddddeeeeffff";
    scan.host = "apply-host-2";
    scan.unreadable = 1;
    scan.matched = 4;
    scan.first_usec = 1'795'000'000'000'001;
    scan.last_usec = 1'795'000'100'000'000;
    scan.first_cursor = "s=a;i=1";
    scan.last_cursor = "s=a;i=9";
    scan.samples = {{1'795'000'000'000'001, "h1", "order 1 DENY_NOT_EXIT_OWNER\nsecond line"},
                    {1'795'000'050'000'000, "h2", "order 2 DENY_NOT_EXIT_OWNER \xff"}};
    watch::AlertContext ctx{
        "quantum-apply-layer.service", "5min", "checkpoint", "local", "watch-host", 1'795'000'200, true};
    const auto fields = watch::alert_fields(scan, ctx);
    std::map<std::string, std::string> m(fields.begin(), fields.end());
    CHECK(m.at("alert_type") == "EXIT_OWNER_VIOLATION");
    CHECK(m.at("deny_count") == "4");
    CHECK(m.at("window") == "5min");
    CHECK(m.at("timestamp") == "1795000200");
    CHECK(m.at("host") == "watch-host");
    CHECK(m.at("first_ts") == "2026-11-18T11:06:40.000001Z");
    CHECK(m.at("last_ts") == "2026-11-18T11:08:20.000000Z");
    CHECK(m.at("sample") == "order 1 DENY_NOT_EXIT_OWNER\\nsecond line");
    CHECK(m.at("gap") == "1");
    CHECK(m.at("unit") == "quantum-apply-layer.service");
    CHECK(m.at("source_host") == "apply-host-2");
    CHECK(m.at("machine_id") == "00000002aaaabbbbccccddddeeeeffff");
    CHECK(m.at("unreadable") == "1");
    CHECK(m.at("dedup_key") == watch::dedup_key("quantum-apply-layer.service", "s=a;i=1", "s=a;i=9"));
    CHECK(m.at("samples").find("\\\\xff") != std::string::npos);

    RedisServer redis;
    auto client = redis.client();
    auto id = watch::publish_alert(client, fields);
    REQUIRE(id.ok());
    auto entries = redis.cmd({"XRANGE", watch::k_alerts_stream, "-", "+"});
    REQUIRE(entries.size() == 1);
    CHECK(entries.element(0).element(0).str() == *id);
    auto stored = entries.element(0).element(1);
    REQUIRE(stored.size() == fields.size() * 2);
    for (size_t i = 0; i < fields.size(); ++i) {
        CHECK(stored.element(2 * i).str() == fields[i].first);
        CHECK(stored.element(2 * i + 1).str() == fields[i].second);
    }

    redis.kill9();
    auto down = watch::publish_alert(client, fields);
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == ExitCode::unavailable);
}
