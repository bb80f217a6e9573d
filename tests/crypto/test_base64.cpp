#include "crypto/base64.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace qops::crypto;

TEST_CASE("base64: RFC 4648 vectors and round trips") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_decode("Zm9vYg==") == std::optional<std::string>("foob"));
    CHECK(base64_decode("") == std::optional<std::string>(""));
    std::mt19937 rng(1);
    for (int i = 0; i < 500; ++i) {
        std::string s(static_cast<size_t>(rng() % 70), '\0');
        for (auto& c : s)
            c = static_cast<char>(rng() % 256);
        CHECK(base64_decode(base64_encode(s)) == std::optional<std::string>(s));
    }
}

TEST_CASE("base64: only canonical padded text decodes") {
    CHECK_FALSE(base64_decode("Zg").has_value());       // unpadded
    CHECK_FALSE(base64_decode("Zh==").has_value());     // non-zero unused bits
    CHECK_FALSE(base64_decode("Zm9v\n").has_value());   // whitespace
    CHECK_FALSE(base64_decode("Z=9v").has_value());     // padding inside
    CHECK_FALSE(base64_decode("Zm9v!A==").has_value()); // not the alphabet
}
