#include "crypto/sha256.hpp"

#include <catch2/catch.hpp>

using namespace qops::crypto;

TEST_CASE("sha256: known answers, one-shot and incremental") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 h;
    h.update("a").update("bc");
    CHECK(h.hex_digest() == sha256_hex("abc"));
    // The object starts over after a digest.
    h.update("abc");
    CHECK(h.hex_digest() == sha256_hex("abc"));
    const Digest d = sha256("abc");
    CHECK(d[0] == 0xba);
    CHECK(d[31] == 0xad);
}
