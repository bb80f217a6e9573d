#include "base/text.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace qops;

TEST_CASE("text: UTF-8 validity, overlong forms and surrogates refused") {
    CHECK(text::valid_utf8(""));
    CHECK(text::valid_utf8("plain ascii"));
    CHECK(text::valid_utf8("Daily Audit Summary – 📊 é"));
    CHECK_FALSE(text::valid_utf8("\xC0\xAF"));         // overlong '/'
    CHECK_FALSE(text::valid_utf8("\xE0\x80\xAF"));     // overlong
    CHECK_FALSE(text::valid_utf8("\xED\xA0\x80"));     // surrogate U+D800
    CHECK_FALSE(text::valid_utf8("\xF4\x90\x80\x80")); // past U+10FFFF
    CHECK_FALSE(text::valid_utf8("\xE2\x82"));         // truncated
    CHECK_FALSE(text::valid_utf8("\xFF"));
}

TEST_CASE("text: escape neutralises every control character, ESC and C1 included") {
    CHECK(text::escape("a\nb\rc\td\\e") == "a\\nb\\rc\\td\\\\e");
    CHECK(text::escape("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
    CHECK(text::escape("\x1b]0;title\x07") == "\\x1b]0;title\\x07");
    CHECK(text::escape(std::string("nul\0x", 5)) == "nul\\x00x");
    CHECK(text::escape("\x7f") == "\\x7f");
    CHECK(text::escape("\xC2\x9B"
                       "31m") == "\\xc2\\x9b31m"); // C1 CSI as UTF-8
    CHECK(text::escape("\xFFok") == "\\xffok");
    CHECK(text::escape("é – 📊") == "é – 📊");
    // Nothing below 0x20, DEL or C1 survives, whatever the input.
    std::mt19937 rng(7);
    for (int round = 0; round < 2000; ++round) {
        std::string s(static_cast<size_t>(rng() % 40), '\0');
        for (auto& c : s)
            c = static_cast<char>(rng() % 256);
        const std::string e = text::escape(s);
        for (size_t i = 0; i < e.size(); ++i) {
            const auto c = static_cast<unsigned char>(e[i]);
            INFO("round " << round << " byte " << i);
            CHECK((c >= 0x20 && c != 0x7f));
            if (c == 0xC2 && i + 1 < e.size()) CHECK(static_cast<unsigned char>(e[i + 1]) >= 0xA0);
        }
        CHECK(text::valid_utf8(e));
        CHECK(text::unescape(e) == s);
    }
}

TEST_CASE("text: escape_prefix bounds the input and never splits a character") {
    CHECK(text::escape_prefix("short", 10) == "short");
    CHECK(text::escape_prefix("0123456789abc", 10) == "0123456789...");
    CHECK(text::escape_prefix("ab📊", 3) == "ab...");
    CHECK(text::escape_prefix("ab📊cd", 6) == "ab📊...");
    CHECK(text::escape_prefix("a\nb", 2) == "a\\n...");
}
