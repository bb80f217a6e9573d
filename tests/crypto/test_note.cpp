#include "crypto/note.hpp"

#include "crypto/base64.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace qops::crypto;

namespace {

// The example of golang.org/x/mod/sumdb/note's documentation (an independent
// implementation's key and note).
constexpr const char* k_go_vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* k_go_text = "If you think cryptography is the answer to your problem,\n"
                                  "then you don't know what your problem is.\n";
constexpr const char* k_go_note =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

} // namespace

TEST_CASE("note: verifier keys") {
    SECTION("the Go example key parses, its id checked against name and key") {
        auto k = parse_verifier_key(k_go_vkey);
        REQUIRE(k.ok());
        CHECK(k->name == "PeterNeumann");
        CHECK(k->id == 0xc74f20a3);
        CHECK(k->text() == k_go_vkey);
        CHECK(key_id(k->name, k->key) == 0xc74f20a3);
    }
    SECTION("made from a key, printed and parsed back") {
        const SigningKey key = SigningKey::generate();
        const VerifierKey v = make_verifier_key("host-1/quantum-ops/policy", key.public_key());
        auto back = parse_verifier_key(v.text());
        REQUIRE(back.ok());
        CHECK(back->key == key.public_key());
        CHECK(back->id == v.id);
    }
    SECTION("malformed keys are rejected") {
        for (const char* bad : {"", "PeterNeumann", "PeterNeumann+c74f20a3",
                                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T"}) {
            INFO(bad);
            CHECK_FALSE(parse_verifier_key(bad).ok());
        }
    }
    SECTION("key names: no spaces (Unicode ones included), no '+', no control characters") {
        CHECK(valid_key_name("host-1/quantum-ops/policy"));
        CHECK(valid_key_name("caf\xC3\xA9"));
        for (const char* bad : {"", "a b", "a+b", "a\tb",
                                "a\xC2\xA0"
                                "b",
                                "a\xE2\x80\x83"
                                "b",
                                "a\xE3\x80\x80"
                                "b",
                                "\xff"}) {
            INFO(bad);
            CHECK_FALSE(valid_key_name(bad));
        }
    }
    SECTION("a keys file: one a line, blank lines and comments skipped, a bad line named") {
        test::TempDir tmp;
        const SigningKey key = SigningKey::generate();
        const std::string other = make_verifier_key("b", key.public_key()).text();
        auto keys =
            load_verifier_keys(tmp.write("k", std::string("# trusted\n\n") + k_go_vkey + "\n  " + other + "\n"));
        REQUIRE(keys.ok());
        REQUIRE(keys->size() == 2);
        CHECK(keys->at(1).name == "b");
        auto bad = load_verifier_keys(tmp.write("bad", std::string(k_go_vkey) + "\nnot-a-key\n"));
        REQUIRE_FALSE(bad.ok());
        CHECK_THAT(bad.error().message, Catch::Contains(":2:"));
        CHECK(load_verifier_keys(tmp.file("missing")).error().kind == ErrorKind::not_found);
    }
}

TEST_CASE("note: the Go example note opens with its key") {
    auto k = parse_verifier_key(k_go_vkey);
    REQUIRE(k.ok());
    auto n = open_note(k_go_note, {*k});
    REQUIRE(n.ok());
    CHECK(n->text == k_go_text);
    REQUIRE(n->signers.size() == 1);
    CHECK(n->signers[0].name == "PeterNeumann");
}

TEST_CASE("note: sign and open") {
    const SigningKey key = SigningKey::generate();
    const VerifierKey v = make_verifier_key("quantum-ops/policy", key.public_key());
    const std::string text = "quantum-ops/policy\n7\nabc\n";
    auto note = sign_note(text, "quantum-ops/policy", key);
    REQUIRE(note.ok());
    CHECK(note->starts_with(text + "\n\xE2\x80\x94 quantum-ops/policy "));

    SECTION("opens with the key among others") {
        const SigningKey other = SigningKey::generate();
        auto n = open_note(*note, {make_verifier_key("other", other.public_key()), v});
        REQUIRE(n.ok());
        CHECK(n->text == text);
    }
    SECTION("no trusted key signed it") {
        const SigningKey other = SigningKey::generate();
        auto n = open_note(*note, {make_verifier_key("quantum-ops/policy", other.public_key())});
        REQUIRE_FALSE(n.ok());
        CHECK(n.error().code == ExitCode::integrity);
        CHECK(open_note(*note, {}).error().code == ExitCode::integrity);
    }
    SECTION("an edited text") {
        std::string edited = *note;
        edited[edited.find('7')] = '8';
        auto n = open_note(edited, {v});
        REQUIRE_FALSE(n.ok());
        CHECK_THAT(n.error().message, Catch::Contains("invalid signature"));
    }
    SECTION("an unknown key's signature beside ours is ignored; a bad one by a trusted key rejects") {
        const SigningKey other = SigningKey::generate();
        auto theirs = sign_note(text, "witness", other);
        REQUIRE(theirs.ok());
        const std::string both = *note + theirs->substr(text.size() + 1);
        CHECK(open_note(both, {v}).ok());
        const VerifierKey w = make_verifier_key("witness", other.public_key());
        CHECK(open_note(both, {v, w})->signers.size() == 2);
        // The witness line re-signed over another text: trusted, so fatal.
        auto forged = sign_note("quantum-ops/policy\n8\nabc\n", "witness", other);
        const std::string bad = *note + forged->substr(forged->find("\n\n") + 2);
        CHECK_FALSE(open_note(bad, {v, w}).ok());
        CHECK(open_note(bad, {v}).ok());
    }
    SECTION("malformed notes") {
        for (const std::string& bad :
             {std::string(text), text + "\n", text + "\n- quantum-ops/policy AAAA\n", note->substr(0, note->size() - 1),
              "\x01" + *note, std::string("\xff") + *note}) {
            INFO(bad);
            CHECK_FALSE(open_note(bad, {v}).ok());
        }
    }
    SECTION("texts that cannot be signed") {
        CHECK_FALSE(sign_note("no newline", "n", key).ok());
        CHECK_FALSE(sign_note("tab\there\n", "n", key).ok());
        CHECK_FALSE(sign_note("bad \xff utf8\n", "n", key).ok());
        CHECK_FALSE(sign_note("ok\n", "bad name", key).ok());
        CHECK_FALSE(sign_note("ok\n", "a+b", key).ok());
    }
}

TEST_CASE("note: an independent Ed25519 implementation verifies our notes") {
    // python3-cryptography's Ed25519 (not OpenSSL's EVP path through our code) and a
    // parser written from the C2SP spec, not from ours.
    const std::string py = "/usr/bin/python3";
    if (test::run({py, "-c", "import cryptography"}).exit_code != 0) QOPS_SKIP("python3-cryptography is missing");
    const SigningKey key = SigningKey::generate();
    const VerifierKey v = make_verifier_key("quantum-ops/policy", key.public_key());
    auto note = sign_note("quantum-ops/policy\n42\n" + std::string(64, 'a') + "\n", "quantum-ops/policy", key);
    REQUIRE(note.ok());
    const std::string script = R"PY(
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
vkey, note = sys.argv[1], sys.stdin.buffer.read()
name, khash, kb64 = vkey.split("+", 2)
raw = base64.b64decode(kb64, validate=True)
assert raw[0] == 1 and len(raw) == 33
assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == khash
text, sigs = note[: note.rindex(b"\n\n") + 1], note[note.rindex(b"\n\n") + 2 :]
ok = 0
for line in sigs.decode().splitlines():
    assert line.startswith("\u2014 ")
    sname, sb64 = line[2:].split(" ")
    blob = base64.b64decode(sb64, validate=True)
    if sname == name and blob[:4].hex() == khash:
        Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], text)
        ok += 1
assert ok == 1
print(text.decode(), end="")
)PY";
    test::RunOptions o;
    o.stdin_data = *note;
    auto r = test::run({py, "-c", script, v.text()}, o);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "quantum-ops/policy\n42\n" + std::string(64, 'a') + "\n");
    SECTION("and rejects an edited one") {
        std::string edited = *note;
        edited[edited.find("42")] = '3';
        o.stdin_data = edited;
        CHECK(test::run({py, "-c", script, v.text()}, o).exit_code != 0);
    }
}
