// A new entry's block as YAML::Emitter renders it. (That values read back as the same
// strings with a reader that tells quoted from plain scalars is checked with PyYAML in
// tests/integration/ops-ledger-append.)
#include "ledger/entry.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

using namespace qops::ledger;

namespace {

std::string rendered(const std::string& notes) {
    return render_entry({{"operation_id", Field::Kind::scalar, "OPS-2026-11-30-001", {}, {}},
                         {"notes", Field::Kind::scalar, notes, {}, {}}},
                        7, std::string(64, '0'));
}

std::string notes_line(const std::string& notes) {
    const std::string body = rendered(notes);
    const size_t at = body.find("\nnotes: ") + 1;
    return body.substr(at, body.find("\nchain_seq: ") - at);
}

} // namespace

TEST_CASE("entry: the block starts with --- and ends in the chain fields in their fixed form") {
    const std::string body = rendered("a note");
    CHECK(body.starts_with("---\noperation_id: OPS-2026-11-30-001\nnotes: a note\n"));
    const std::string tail = "chain_seq: 7\nprev_hash: \"" + std::string(64, '0') + "\"\nentry_hash: \"";
    const size_t at = body.find(tail);
    REQUIRE(at != std::string::npos);
    const std::string hash = body.substr(at + tail.size(), 64);
    CHECK(body.substr(at + tail.size() + 64) == "\"\n");
    CHECK(hash == entry_hash_of(body.substr(0, body.rfind("entry_hash: "))));
    const YAML::Node n = YAML::Load(body);
    CHECK(n["chain_seq"].as<uint64_t>() == 7);
    CHECK(n["entry_hash"].as<std::string>() == hash);
}

TEST_CASE("entry: plain only for words YAML cannot take for anything else and the rest double-quoted") {
    CHECK(notes_line("Deploy the governor (v2), step 1/3") == "notes: Deploy the governor (v2), step 1/3");
    for (const std::string v :
         {"yes", "No", "ON",   "y",  "null", "Null",  "~",      "1e3",  "0x1F",  "012",  "2026-01-28",
          "- x", ": ", "a: b", "#",  "a #b", " lead", "trail ", ".inf", "<<",    "=",    "*x",
          "&x",  "!x", "%x",   "@x", "`x",   "[x]",   "{x}",    "'x'",  "\"x\"", "x\ny", "é"}) {
        INFO(v);
        CHECK(notes_line(v).starts_with("notes: \""));
    }
    CHECK(notes_line("say \"hi\"\n") == "notes: \"say \\\"hi\\\"\\n\"");
    CHECK(notes_line("del\x7f") == "notes: \"del\\x7f\"");
}

TEST_CASE("entry: every kind of field reads back with yaml-cpp as written") {
    const std::vector<Field> fields{
        {"operation_id", Field::Kind::scalar, "OPS-2026-11-30-001", {}, {}},
        {"notes", Field::Kind::scalar, "line one\n  line: two\n", {}, {}},
        {"allowed_services", Field::Kind::list, {}, {"quantum-governor", "yes", "- x"}, {}},
        {"services_status", Field::Kind::map, {}, {}, {{"quantum-governor", "active"}, {"no", "~"}}},
        {"metrics_snapshot", Field::Kind::block, "# HELP x\nx 1\n", {}, {}},
        {"redis_snapshot", Field::Kind::block, "  indented first\n\n", {}, {}},
    };
    const std::string body = render_entry(fields, 1, std::string(64, 'a'));
    INFO(body);
    CHECK(reads_back(body, fields));
    CHECK(body.find("metrics_snapshot: |\n  # HELP x\n  x 1\n") != std::string::npos); // a literal block
    CHECK(body.find("redis_snapshot: \"  indented first\\n\\n\"") != std::string::npos);
    // reads_back notices a difference.
    std::vector<Field> other = fields;
    other[1].scalar = "line one";
    CHECK_FALSE(reads_back(body, other));
    CHECK_FALSE(reads_back("- not a map\n", fields));
}
