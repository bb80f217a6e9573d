#include "commands/log.hpp"
#include "commands/message_ids.hpp"

#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace qops::commands;

namespace {

constexpr const char* k_runbook_prefix = "file:///usr/share/doc/quantum-ops/runbooks/";

struct CatalogEntry {
    std::string subject;
    std::string support;
    std::string text;
};

// The catalog's entries by id, as journalctl --update-catalog reads them: "-- <id>",
// header lines up to the first blank line, then the text.
std::map<std::string, CatalogEntry> read_catalog(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::map<std::string, CatalogEntry> entries;
    CatalogEntry* current = nullptr;
    bool in_header = false;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("-- ", 0) == 0) {
            const std::string id = line.substr(3);
            INFO(id);
            CHECK(std::regex_match(id, std::regex("[0-9a-f]{32}")));
            CHECK(entries.count(id) == 0);
            current = &entries[id];
            in_header = true;
            continue;
        }
        if (current == nullptr) continue; // comments before the first entry
        if (in_header) {
            if (line.empty()) {
                in_header = false;
            } else if (line.rfind("Subject: ", 0) == 0) {
                current->subject = line.substr(9);
            } else if (line.rfind("Support: ", 0) == 0) {
                current->support = line.substr(9);
            }
            continue;
        }
        current->text += line + "\n";
    }
    return entries;
}

} // namespace

TEST_CASE("message ids: the catalog documents every id of the header, and only those") {
    const auto catalog = read_catalog(std::string(QOPS_SOURCE_DIR) + "/ops/catalog/quantum-ops.catalog");
    std::set<std::string> header;
    for (const auto& id : ids::k_all) {
        INFO(id.hex);
        CHECK(std::regex_match(std::string(id.hex), std::regex("[0-9a-f]{32}")));
        CHECK(header.insert(std::string(id.hex)).second); // no id used twice
    }
    std::set<std::string> documented;
    for (const auto& [id, entry] : catalog)
        documented.insert(id);
    CHECK(documented == header);

    SECTION("every entry has a subject, a text and a runbook that exists") {
        for (const auto& [id, entry] : catalog) {
            INFO(id);
            CHECK(!entry.subject.empty());
            CHECK(entry.text.find_first_not_of("\n") != std::string::npos);
            REQUIRE(entry.support.rfind(k_runbook_prefix, 0) == 0);
            const std::string runbook = entry.support.substr(std::string(k_runbook_prefix).size());
            INFO(runbook);
            CHECK(std::filesystem::is_regular_file(std::string(QOPS_SOURCE_DIR) + "/ops/runbooks/" + runbook));
        }
    }
}

TEST_CASE("message ids: journalctl compiles the catalog with every entry") {
    // What the postinst does, in a private root: a syntax error would lose entries.
    qops::test::TempDir root;
    const std::string dir = root.path() + "/usr/lib/systemd/catalog";
    std::filesystem::create_directories(dir);
    std::filesystem::create_directories(root.path() + "/var/lib/systemd/catalog");
    std::filesystem::copy_file(std::string(QOPS_SOURCE_DIR) + "/ops/catalog/quantum-ops.catalog",
                               dir + "/quantum-ops.catalog");
    auto update = qops::test::run({"journalctl", "--root=" + root.path(), "--update-catalog"});
    REQUIRE(update.exit_code == 0);
    auto listed = qops::test::run({"journalctl", "--root=" + root.path(), "--list-catalog"});
    REQUIRE(listed.exit_code == 0);
    for (const auto& id : ids::k_all) {
        INFO(id.hex);
        CHECK(listed.out.find(std::string(id.hex) + " quantum-ops: ") != std::string::npos);
    }
}

TEST_CASE("message ids: an event's journal entry") {
    log::set_identity("policy-refresh", "POLICY-REFRESH");
    const log::Event e{ids::policy_stored,
                       {{"QUANTUM_POLICY_SEQ", 42}, {"QUANTUM_POLICY_VERSION", "v1"}, {"bad name", "x"}}};
    const auto fields = log::journal_fields(log::Level::ok, "[POLICY-REFRESH] OK: done", &e);
    const std::set<std::string> got(fields.begin(), fields.end());
    CHECK(fields.front() == "MESSAGE=[POLICY-REFRESH] OK: done");
    CHECK(got.count("MESSAGE_ID=9eada67b682c419089285ff76bfdbc46") == 1);
    CHECK(got.count("QUANTUM_TOOL=policy-refresh") == 1);
    CHECK(got.count("QUANTUM_LEVEL=OK") == 1);
    CHECK(got.count("PRIORITY=6") == 1);
    CHECK(got.count("QUANTUM_POLICY_SEQ=42") == 1);
    CHECK(got.count("QUANTUM_POLICY_VERSION=v1") == 1);
    CHECK(got.count("bad name=x") == 0);

    SECTION("an event cannot override the fields every entry carries") {
        const log::Event spoof{ids::policy_stored, {{"QUANTUM_TOOL", "other"}, {"MESSAGE_ID", "0"}, {"PRIORITY", "0"}}};
        const auto f = log::journal_fields(log::Level::fail, "m", &spoof);
        CHECK(std::count(f.begin(), f.end(), "QUANTUM_TOOL=other") == 0);
        CHECK(std::count(f.begin(), f.end(), "MESSAGE_ID=0") == 0);
        CHECK(std::count(f.begin(), f.end(), "PRIORITY=0") == 0);
    }
    SECTION("a plain line has no MESSAGE_ID") {
        const auto f = log::journal_fields(log::Level::info, "m", nullptr);
        for (const auto& x : f)
            CHECK(x.rfind("MESSAGE_ID=", 0) != 0);
    }
    SECTION("field names the journal accepts") {
        CHECK(log::valid_field_name("QUANTUM_DENY_COUNT"));
        CHECK_FALSE(log::valid_field_name("_PID"));
        CHECK_FALSE(log::valid_field_name("quantum"));
        CHECK_FALSE(log::valid_field_name("1X"));
        CHECK_FALSE(log::valid_field_name(""));
        CHECK_FALSE(log::valid_field_name(std::string(65, 'A')));
    }
}
