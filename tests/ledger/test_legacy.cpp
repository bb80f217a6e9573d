// The reader of hand-kept entries that are not strict YAML.
#include "ledger/ledger.hpp"
#include "ledger/legacy.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops::ledger;

TEST_CASE("legacy: hand-kept blocks read the way a person reads them") {
    const YAML::Node n = read_legacy_block("---\noperation_id: OPS-2026-01-27-001\n"
                                           "blast_radius: Governor only. Fail-safe: stale cache\n"
                                           "snapshot: |\n  line one\n    indented\n"
                                           "allowed_services:\n  - quantum-governor  # the only one\n  - b\n"
                                           "services_status:\n  quantum-governor: active\n");
    CHECK(n["operation_id"].as<std::string>() == "OPS-2026-01-27-001");
    CHECK(n["blast_radius"].as<std::string>() == "Governor only. Fail-safe: stale cache");
    CHECK(n["snapshot"].as<std::string>() == "line one\n  indented\n");
    REQUIRE(n["allowed_services"].size() == 2);
    CHECK(n["allowed_services"][0].as<std::string>() == "quantum-governor");
    CHECK(n["services_status"]["quantum-governor"].as<std::string>() == "active");
}

TEST_CASE("legacy: a field mixing list items and key: value lines keeps both") {
    const YAML::Node list = read_legacy_block("evidence:\n  - first\n  key: value\n");
    REQUIRE(list["evidence"].IsSequence());
    CHECK(list["evidence"][1].as<std::string>() == "key: value");
    const YAML::Node map = read_legacy_block("evidence:\n  key: value\n  - item\n");
    REQUIRE(map["evidence"].IsMap());
    CHECK(map["evidence"]["item"]);
}

TEST_CASE("legacy: load_entry uses it only for unchained blocks yaml-cpp refuses") {
    const std::string loose = "---\noperation_id: OPS-2026-01-27-001\nnotes: a: b\n";
    auto e = load_entry(loose);
    REQUIRE(e.ok());
    CHECK(e->legacy_reader);
    CHECK(e->node["notes"].as<std::string>() == "a: b");
    auto strict = load_entry("---\nnotes: \"a: b\"\n");
    REQUIRE(strict.ok());
    CHECK_FALSE(strict->legacy_reader);
    auto chained = load_entry(loose + "chain_seq: 1\n");
    REQUIRE_FALSE(chained.ok());
    CHECK(chained.error().code == qops::ExitCode::integrity);
}

TEST_CASE("legacy: the seed's loose values and '|' blocks and comments after list items") {
    auto l = parse(qops::test::slurp(std::string(QOPS_TEST_DATA_DIR) + "/ledger/seed_OPS_CHANGELOG.md"));
    REQUIRE(l.ok());
    REQUIRE(l->entries.size() == 7);
    std::vector<YAML::Node> n;
    for (const auto& e : l->entries) {
        auto loaded = load_entry(e.body);
        REQUIRE(loaded.ok());
        n.push_back(loaded->node);
    }
    CHECK(n[2]["allowed_services"][0].as<std::string>() == "quantum-portfolio-risk-governor,quantum-governor");
    CHECK(n[1]["blast_radius"].as<std::string>().find("Fail-safe: stale cache") != std::string::npos);
    CHECK(n[2]["metrics_snapshot"].as<std::string>() == "# http://localhost:8049/metrics: FAILED\n");
    CHECK(n[4]["commits"][0].as<std::string>() == "b556c2d8");
    CHECK(n[4]["verification_evidence"].size() == 4);
}
