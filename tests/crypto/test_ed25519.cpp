#include "crypto/ed25519.hpp"

#include "crypto/hex.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

using namespace qops;
using namespace qops::crypto;

namespace {

// RFC 8032 section 7.1, TEST 1, as PKCS#8 PEM (what openssl genpkey writes).
constexpr const char* k_rfc8032_pem = "-----BEGIN PRIVATE KEY-----\n"
                                      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                                      "-----END PRIVATE KEY-----\n";
constexpr const char* k_rfc8032_public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr const char* k_rfc8032_signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590"
                                            "a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

std::string write_key(const test::TempDir& tmp, const std::string& name, const std::string& pem, mode_t mode) {
    const std::string path = tmp.write(name, pem);
    ::chmod(path.c_str(), mode);
    return path;
}

} // namespace

TEST_CASE("ed25519: RFC 8032 test vector from a PKCS#8 PEM file") {
    test::TempDir tmp;
    auto key = SigningKey::load_pem_file(write_key(tmp, "k.pem", k_rfc8032_pem, 0600));
    REQUIRE(key.ok());
    CHECK(to_hex(key->public_key().data(), key->public_key().size()) == k_rfc8032_public);
    const Signature sig = key->sign("");
    CHECK(to_hex(sig.data(), sig.size()) == k_rfc8032_signature);
    CHECK(verify(key->public_key(), "", sig));
}

TEST_CASE("ed25519: sign and verify") {
    const SigningKey key = SigningKey::generate();
    const Signature sig = key.sign("quantum-ops/policy\n7\nabc\n");
    CHECK(verify(key.public_key(), "quantum-ops/policy\n7\nabc\n", sig));
    SECTION("another message") {
        CHECK_FALSE(verify(key.public_key(), "quantum-ops/policy\n8\nabc\n", sig));
    }
    SECTION("a flipped signature bit") {
        Signature bad = sig;
        bad[10] ^= 0x01;
        CHECK_FALSE(verify(key.public_key(), "quantum-ops/policy\n7\nabc\n", bad));
    }
    SECTION("another key") {
        CHECK_FALSE(verify(SigningKey::generate().public_key(), "quantum-ops/policy\n7\nabc\n", sig));
    }
}

TEST_CASE("ed25519: key files") {
    test::TempDir tmp;
    SECTION("written with mode 0600 and read back") {
        const SigningKey key = SigningKey::generate();
        REQUIRE(key.write_pem_file(tmp.file("new.pem")).ok());
        struct stat st {};
        REQUIRE(::stat(tmp.file("new.pem").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0600);
        auto back = SigningKey::load_pem_file(tmp.file("new.pem"));
        REQUIRE(back.ok());
        CHECK(back->public_key() == key.public_key());
        CHECK_FALSE(key.write_pem_file(tmp.file("new.pem")).ok()); // never overwrites a key
    }
    SECTION("readable by group or others: refused, naming the file") {
        for (mode_t mode : {0640u, 0604u, 0644u, 0660u}) {
            const std::string path = write_key(tmp, "open.pem", k_rfc8032_pem, mode);
            auto r = SigningKey::load_pem_file(path);
            INFO(mode);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().code == ExitCode::usage);
            CHECK_THAT(r.error().message, Catch::Contains(path));
        }
    }
    SECTION("missing, garbage, or not Ed25519") {
        CHECK(SigningKey::load_pem_file(tmp.file("missing.pem")).error().code == ExitCode::usage);
        auto garbage = SigningKey::load_pem_file(write_key(tmp, "g.pem", "not a key\n", 0600));
        REQUIRE_FALSE(garbage.ok());
        CHECK_THAT(garbage.error().message, Catch::Contains("Ed25519"));
        auto r = test::run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                            tmp.file("ec.pem")});
        if (r.exit_code != 0) QOPS_SKIP("openssl cannot make an EC key here");
        ::chmod(tmp.file("ec.pem").c_str(), 0600);
        CHECK_FALSE(SigningKey::load_pem_file(tmp.file("ec.pem")).ok());
    }
    SECTION("as openssl genpkey -algorithm ed25519 writes it") {
        auto r = test::run({"openssl", "genpkey", "-algorithm", "ed25519", "-out", tmp.file("o.pem")});
        if (r.exit_code != 0) QOPS_SKIP("no openssl command");
        ::chmod(tmp.file("o.pem").c_str(), 0600);
        auto key = SigningKey::load_pem_file(tmp.file("o.pem"));
        REQUIRE(key.ok());
        CHECK(verify(key->public_key(), "x", key->sign("x")));
    }
}

TEST_CASE("ed25519: the key comes from the variable, else the credential, else exit 2 naming both") {
    test::TempDir tmp;
    const std::string file = write_key(tmp, "env.pem", k_rfc8032_pem, 0600);
    std::filesystem::create_directories(tmp.file("creds"));
    write_key(tmp, "creds/test-signing-key", k_rfc8032_pem, 0400);
    ::unsetenv("QOPS_TEST_KEY_FILE");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    SECTION("neither") {
        auto r = SigningKey::load_from_env_or_credential("QOPS_TEST_KEY_FILE", "test-signing-key");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::usage);
        CHECK_THAT(r.error().message, Catch::Contains("QOPS_TEST_KEY_FILE"));
        CHECK_THAT(r.error().message, Catch::Contains("test-signing-key"));
    }
    SECTION("the variable") {
        ::setenv("QOPS_TEST_KEY_FILE", file.c_str(), 1);
        CHECK(SigningKey::load_from_env_or_credential("QOPS_TEST_KEY_FILE", "test-signing-key").ok());
        ::unsetenv("QOPS_TEST_KEY_FILE");
    }
    SECTION("the credential") {
        ::setenv("CREDENTIALS_DIRECTORY", tmp.file("creds").c_str(), 1);
        CHECK(SigningKey::load_from_env_or_credential("QOPS_TEST_KEY_FILE", "test-signing-key").ok());
        ::unsetenv("CREDENTIALS_DIRECTORY");
    }
}

TEST_CASE("ed25519: the process is not dumpable while a private key is held") {
    REQUIRE(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
    {
        const SigningKey key = SigningKey::generate();
        CHECK(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
        SigningKey moved = SigningKey::generate();
        SigningKey other = std::move(moved);
        CHECK(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
    }
    CHECK(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
}
