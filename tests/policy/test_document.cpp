#include "crypto/sha256.hpp"
#include "policy/document.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using qops::ExitCode;
using namespace qops::policy;
using json = nlohmann::json;

namespace {

json sample() {
    return json::parse(R"({
      "policy_version": "1.0.0-ai-sample",
      "universe": ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
      "leverage": {"min": 6.0, "max": 15.0},
      "exit_owner": "exitbrain_v3_5",
      "generator": "generate_sample_policy",
      "valid_for_seconds": 3600
    })");
}

// Expects the document to be rejected with exit class 2 and a message containing `needle`.
void expect_invalid(const json& doc, const std::string& needle) {
    auto r = parse_document(doc.dump());
    INFO(doc.dump());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::usage);
    CHECK_THAT(r.error().message, Catch::Contains(needle));
}

} // namespace

TEST_CASE("policy document: a valid document parses") {
    auto r = parse_document(sample().dump());
    REQUIRE(r.ok());
    CHECK(r->policy_version == "1.0.0-ai-sample");
    CHECK(r->universe.size() == 3);
    CHECK(r->leverage_min == 6.0);
    CHECK(r->leverage_max == 15.0);
    CHECK(r->exit_owner == "exitbrain_v3_5");
    CHECK(r->valid_for_seconds == 3600);
}

TEST_CASE("policy document: optional fields take their defaults") {
    auto doc = sample();
    doc.erase("generator");
    doc.erase("valid_for_seconds");
    auto r = parse_document(doc.dump());
    REQUIRE(r.ok());
    CHECK(r->generator.empty());
    CHECK(r->valid_for_seconds == k_default_valid_for_seconds);
}

TEST_CASE("policy document: every field rule") {
    SECTION("not JSON") {
        auto r = parse_document("{\"policy_version\": ");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::usage);
        CHECK_THAT(r.error().message, Catch::Contains("not JSON"));
    }
    SECTION("not an object") {
        expect_invalid(json::array({1, 2}), "JSON object");
    }
    SECTION("unknown top-level field") {
        auto d = sample();
        d["max_position"] = 3;
        expect_invalid(d, "unknown field 'max_position'");
    }
    SECTION("stamps are not accepted as input") {
        auto d = sample();
        d["valid_until_epoch"] = 1;
        expect_invalid(d, "unknown field 'valid_until_epoch'");
    }
    SECTION("duplicate key") {
        auto r = parse_document(R"({"policy_version":"a","policy_version":"b","universe":["BTCUSDT"],)"
                                R"("leverage":{"min":1,"max":2},"exit_owner":"x"})");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("duplicate key 'policy_version'"));
    }
    SECTION("policy_version") {
        auto d = sample();
        d.erase("policy_version");
        expect_invalid(d, "missing field 'policy_version'");
        d["policy_version"] = "";
        expect_invalid(d, "'policy_version' must be a non-empty string");
        d["policy_version"] = 1;
        expect_invalid(d, "'policy_version' must be a non-empty string");
    }
    SECTION("universe") {
        auto d = sample();
        d.erase("universe");
        expect_invalid(d, "missing field 'universe'");
        d["universe"] = json::array();
        expect_invalid(d, "non-empty array");
        d["universe"] = "BTCUSDT";
        expect_invalid(d, "non-empty array");
        d["universe"] = {"BTCUSDT", 7};
        expect_invalid(d, "must be strings");
        d["universe"] = {"btcusdt"};
        expect_invalid(d, "does not match");
        d["universe"] = {"B"};
        expect_invalid(d, "does not match");
        d["universe"] = {std::string(21, 'A')};
        expect_invalid(d, "does not match");
        d["universe"] = {"BTC-USDT"};
        expect_invalid(d, "does not match");
        d["universe"] = {"BTCUSDT", "ETHUSDT", "BTCUSDT"};
        expect_invalid(d, "appears twice");
        d["universe"] = {"AB", std::string(20, 'Z'), "1000PEPEUSDT"};
        CHECK(parse_document(d.dump()).ok());
    }
    SECTION("leverage") {
        auto d = sample();
        d.erase("leverage");
        expect_invalid(d, "missing field 'leverage'");
        d["leverage"] = 5;
        expect_invalid(d, "must be an object");
        d["leverage"] = {{"min", 2}};
        expect_invalid(d, "'leverage.max' must be a number");
        d["leverage"] = {{"max", 2}};
        expect_invalid(d, "'leverage.min' must be a number");
        d["leverage"] = {{"min", "2"}, {"max", 3}};
        expect_invalid(d, "'leverage.min' must be a number");
        d["leverage"] = {{"min", 0.5}, {"max", 3}};
        expect_invalid(d, "at least 1");
        d["leverage"] = {{"min", 10}, {"max", 5}};
        expect_invalid(d, "at least 'leverage.min'");
        d["leverage"] = {{"min", 1}, {"max", 125.5}};
        expect_invalid(d, "at most 125");
        d["leverage"] = {{"min", 1}, {"max", 2}, {"step", 1}};
        expect_invalid(d, "unknown field 'leverage.step'");
        d["leverage"] = {{"min", 1}, {"max", 125}};
        CHECK(parse_document(d.dump()).ok());
        d["leverage"] = {{"min", 7}, {"max", 7}};
        CHECK(parse_document(d.dump()).ok());
    }
    SECTION("exit_owner") {
        auto d = sample();
        d.erase("exit_owner");
        expect_invalid(d, "missing field 'exit_owner'");
        d["exit_owner"] = "";
        expect_invalid(d, "'exit_owner' must be a non-empty string");
        d["exit_owner"] = json(nullptr);
        expect_invalid(d, "'exit_owner' must be a non-empty string");
    }
    SECTION("generator") {
        auto d = sample();
        d["generator"] = 3;
        expect_invalid(d, "'generator' must be a string");
    }
    SECTION("valid_for_seconds") {
        auto d = sample();
        d["valid_for_seconds"] = 1800;
        expect_invalid(d, "more than the 1800 s freshness margin");
        d["valid_for_seconds"] = -5;
        expect_invalid(d, "freshness margin");
        d["valid_for_seconds"] = 3600.5;
        expect_invalid(d, "must be an integer");
        d["valid_for_seconds"] = "3600";
        expect_invalid(d, "must be an integer");
        d["valid_for_seconds"] = 1801;
        CHECK(parse_document(d.dump()).ok());
        d["valid_for_seconds"] = k_max_valid_for_seconds + 1;
        expect_invalid(d, "at most");
        d["valid_for_seconds"] = 18446744073709551615ULL;
        expect_invalid(d, "at most");
    }
    SECTION("oversized document") {
        std::string big(k_max_document_bytes + 1, ' ');
        auto r = parse_document(big);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("larger than"));
    }
}

TEST_CASE("policy document: sealing gives canonical JSON and its SHA-256") {
    auto doc = parse_document(sample().dump());
    REQUIRE(doc.ok());
    Sealed s = seal(*doc, 1770080983, "fallback");
    CHECK(s.created_at_epoch == 1770080983);
    CHECK(s.valid_until_epoch == 1770080983 + 3600);
    CHECK(s.policy_hash == qops::crypto::sha256_hex(s.policy_json));
    CHECK(s.policy_json ==
          R"({"created_at_epoch":1770080983,"exit_owner":"exitbrain_v3_5","generator":"generate_sample_policy",)"
          R"("leverage":{"max":15.0,"min":6.0},"policy_seq":1,"policy_version":"1.0.0-ai-sample",)"
          R"("universe":["BTCUSDT","ETHUSDT","SOLUSDT"],"valid_for_seconds":3600,"valid_until_epoch":1770084583})");

    SECTION("key order and whitespace of the input do not change the hash") {
        auto reordered = parse_document(R"({ "valid_for_seconds" : 3600, "exit_owner":"exitbrain_v3_5",
            "leverage": {"max": 15, "min": 6}, "generator":"generate_sample_policy",
            "universe":["BTCUSDT","ETHUSDT","SOLUSDT"], "policy_version":"1.0.0-ai-sample" })");
        REQUIRE(reordered.ok());
        CHECK(seal(*reordered, 1770080983, "x").policy_hash == s.policy_hash);
    }
    SECTION("the fallback generator fills a missing one") {
        auto d = *doc;
        d.generator.clear();
        CHECK(seal(d, 1, "policy-refresh").doc.generator == "policy-refresh");
    }
    SECTION("hash fields") {
        CHECK(s.hash_fields().size() == required_fields().size() - 1); // no policy_note before signing
        Sealed signed_copy = s;
        sign(signed_copy, qops::crypto::SigningKey::generate());
        auto f = signed_copy.hash_fields();
        CHECK(f.size() == required_fields().size());
        CHECK(f.at("policy_seq") == "1");
        CHECK(f.at("universe_count") == "3");
        CHECK(f.at("leverage_range") == "6.0x-15.0x");
        CHECK(f.at("valid_until_epoch") == "1770084583");
        CHECK(f.at("policy_hash") == s.policy_hash);
    }
}

TEST_CASE("policy document: leverage range format") {
    CHECK(format_leverage_range(6, 15) == "6.0x-15.0x");
    CHECK(format_leverage_range(1.5, 12.25) == "1.5x-12.25x");
    CHECK(format_leverage_range(125, 125) == "125.0x-125.0x");
}

TEST_CASE("policy document: stored fields are verified fail-closed") {
    auto doc = parse_document(sample().dump());
    REQUIRE(doc.ok());
    const int64_t t0 = 1770080983;
    const auto key = qops::crypto::SigningKey::generate();
    const std::vector<qops::crypto::VerifierKey> trusted{policy_verifier_key(key)};
    Sealed s = seal(*doc, t0, "x", 1770080983);
    sign(s, key);
    auto fields = s.hash_fields();

    SECTION("intact and fresh") {
        auto r = verify_fields(fields, t0 + 10);
        REQUIRE(r.ok());
        CHECK(r->policy_hash == s.policy_hash);
    }
    SECTION("missing policy") {
        auto r = verify_fields({}, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK_THAT(r.error().message, Catch::Contains("missing"));
    }
    SECTION("each missing field") {
        for (const auto& name : required_fields()) {
            auto f = fields;
            f.erase(name);
            auto r = verify_signed(f, t0, trusted);
            INFO(name);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().code == ExitCode::integrity);
            CHECK_THAT(r.error().message, Catch::Contains(name));
        }
    }
    SECTION("tampered policy_json") {
        auto f = fields;
        f["policy_json"].replace(f["policy_json"].find("15.0"), 4, "99.0");
        auto r = verify_fields(f, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK_THAT(r.error().message, Catch::Contains("hash mismatch"));
    }
    SECTION("tampered hash") {
        auto f = fields;
        f["policy_hash"] = std::string(64, '0');
        auto r = verify_fields(f, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
    }
    SECTION("a summary field that disagrees with the document (a mixed hash)") {
        for (const char* name : {"policy_version", "valid_until_epoch", "universe_count", "leverage_range",
                                 "exit_owner", "generator", "created_at_epoch"}) {
            auto f = fields;
            f[name] = f[name] + "9";
            auto r = verify_fields(f, t0);
            INFO(name);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().code == ExitCode::integrity);
            CHECK_THAT(r.error().message, Catch::Contains(name));
        }
    }
    SECTION("expired") {
        auto r = verify_fields(fields, s.valid_until_epoch);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK_THAT(r.error().message, Catch::Contains("expired"));
        CHECK(verify_fields(fields, s.valid_until_epoch - 1).ok());
    }
    SECTION("policy_json consistent with its hash but not a valid policy") {
        auto f = fields;
        f["policy_json"] = R"({"policy_version":"x"})";
        f["policy_hash"] = qops::crypto::sha256_hex(f["policy_json"]);
        auto r = verify_fields(f, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK_THAT(r.error().message, Catch::Contains("not valid"));
    }
}

TEST_CASE("policy document: the signed note vouches for seq and hash, the stamps are bounded") {
    auto doc = parse_document(sample().dump());
    REQUIRE(doc.ok());
    const int64_t t0 = 1770080983;
    const auto key = qops::crypto::SigningKey::generate();
    const std::vector<qops::crypto::VerifierKey> trusted{policy_verifier_key(key)};
    // Fields as an attacker with Redis write access makes them: any document, its hash
    // recomputed, and (optionally) a note taken from another policy.
    auto forge = [&](Sealed s) {
        s.policy_json = nlohmann::json::parse(s.policy_json).dump();
        s.policy_hash = qops::crypto::sha256_hex(s.policy_json);
        return s.hash_fields();
    };
    Sealed s = seal(*doc, t0, "x", 5);
    sign(s, key);
    SECTION("intact") {
        auto r = verify_signed(s.hash_fields(), t0, trusted);
        REQUIRE(r.ok());
        CHECK(r->policy_seq == 5);
        CHECK(s.note_text() == "quantum-ops/policy\n5\n" + s.policy_hash + "\n");
    }
    SECTION("unsigned") {
        Sealed u = seal(*doc, t0, "x", 5);
        auto r = verify_signed(u.hash_fields(), t0, trusted);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("not signed"));
    }
    SECTION("signed by another key") {
        Sealed o = s;
        sign(o, qops::crypto::SigningKey::generate());
        auto r = verify_signed(o.hash_fields(), t0, trusted);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
    }
    SECTION("a valid note of another policy (seq or hash differ)") {
        Sealed other = seal(*doc, t0 + 1, "y", 6);
        other.policy_note = s.policy_note;
        auto r = verify_signed(other.hash_fields(), t0 + 1, trusted);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("another policy"));
    }
    SECTION("the forged document with 100x-125x and valid_until 4000000000000000000") {
        Sealed f = s;
        f.doc.leverage_min = 100;
        f.doc.leverage_max = 125;
        f.valid_until_epoch = 4000000000000000000;
        auto j = nlohmann::json::parse(f.policy_json);
        j["leverage"] = {{"min", 100.0}, {"max", 125.0}};
        j["valid_until_epoch"] = f.valid_until_epoch;
        f.policy_json = j.dump();
        auto fields = forge(f);
        fields["valid_until_epoch"] = "4000000000000000000";
        fields["leverage_range"] = "100.0x-125.0x";
        auto r = verify_signed(fields, t0, trusted);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::integrity);
        CHECK(r.error().message.find("-2094062883") == std::string::npos);
    }
    SECTION("created in the future, beyond 60 s of clock skew") {
        CHECK(verify_fields(s.hash_fields(), t0 - 60).ok());
        auto r = verify_fields(s.hash_fields(), t0 - 61);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("future"));
    }
    SECTION("valid for more than 31 days") {
        Sealed l = s;
        auto j = nlohmann::json::parse(l.policy_json);
        j["valid_until_epoch"] = t0 + k_max_valid_for_seconds + 1;
        l.valid_until_epoch = t0 + k_max_valid_for_seconds + 1;
        l.policy_json = j.dump();
        auto r = verify_fields(forge(l), t0);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("31 days"));
    }
}
