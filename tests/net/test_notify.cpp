#include "net/notify.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace qops::net;

TEST_CASE("notify: journal text cannot mention anyone on Slack or Discord") {
    const std::string hostile = "DENY @channel <!channel> <!everyone> <!here> <@U123> <!subteam^S1> @everyone @here "
                                "<@123> <@&456> [click](http://evil.example) <http://evil.example|click>";
    SECTION("Slack: control sequences become entities, @ words are broken") {
        const std::string s = slack_text(hostile);
        CHECK(s.find('<') == std::string::npos);
        CHECK(s.find('>') == std::string::npos);
        CHECK(s.find("@channel") == std::string::npos);
        CHECK(s.find("@everyone") == std::string::npos);
        CHECK(s.find("@here") == std::string::npos);
        CHECK(s.find("&lt;!channel&gt;") != std::string::npos);
        CHECK(slack_text("a & b") == "a &amp; b");
    }
    SECTION("Discord: no @ is followed by a name or id, no masked link") {
        const std::string d = discord_text(hostile);
        for (size_t at = d.find('@'); at != std::string::npos; at = d.find('@', at + 1))
            CHECK(d.compare(at + 1, 3, "\u200b") == 0);
        CHECK(d.find("](") == std::string::npos);
    }
    SECTION("the payload carries both and turns Discord's mention parsing off") {
        const auto j = nlohmann::json::parse(webhook_payload(hostile));
        CHECK(j.at("text") == slack_text(hostile));
        CHECK(j.at("content") == discord_text(hostile));
        CHECK(j.at("allowed_mentions").at("parse").empty());
    }
    SECTION("plain text is unchanged") {
        CHECK(slack_text("📊 Total Actions: 2") == "📊 Total Actions: 2");
        CHECK(discord_text("📊 Total Actions: 2") == "📊 Total Actions: 2");
    }
}

TEST_CASE("notify: Discord's content is cut on a character boundary") {
    const std::string long_text = std::string(1899, 'a') + "📊" + std::string(100, 'b');
    const std::string d = discord_text(long_text);
    CHECK(d == std::string(1899, 'a') + "\n…");
    CHECK(slack_text(long_text) == long_text);
}
