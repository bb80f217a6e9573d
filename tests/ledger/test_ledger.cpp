// The ledger file: its layout (month sections, fences, trailer, head comment), the chain
// fields read from their fixed lines, ids, insertion and verification.
#include "ledger/ledger.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace qops::ledger;
using qops::test::slurp;

namespace {

std::string seed() {
    return slurp(std::string(QOPS_TEST_DATA_DIR) + "/ledger/seed_OPS_CHANGELOG.md");
}

Ledger parsed(const std::string& text) {
    auto l = parse(text);
    INFO((l ? std::string() : l.error().message));
    REQUIRE(l.ok());
    return *l;
}

struct Appended {
    std::string text; // the new file
    std::string body; // the new entry's block
};

// text with one more chained entry in month, as an append writes it.
Appended append_to(const std::string& text, const std::string& month, const std::string& notes) {
    const Ledger l = parsed(text);
    const ChainHead head = chain_head(l);
    const std::string id = next_operation_id(l, month + "-15");
    const std::string body =
        render_entry({{"operation_id", Field::Kind::scalar, id, {}, {}}, {"notes", Field::Kind::scalar, notes, {}, {}}},
                     head.seq + 1, head.hash);
    const std::string hash = body.substr(body.rfind("entry_hash: \"") + 13, 64);
    return {insert_entry(text, month, body, head.seq + 1, hash), body};
}

std::string appended(const std::string& text, const std::string& month, const std::string& notes) {
    return append_to(text, month, notes).text;
}

} // namespace

TEST_CASE("ledger: the seed's hand-kept file parses as 7 legacy entries") {
    const Ledger l = parsed(seed());
    REQUIRE(l.entries.size() == 7);
    CHECK(l.entries[0].operation_id == "OPS-2026-01-28-001");
    CHECK(l.entries[6].operation_id == "OPS-2026-01-27-001");
    CHECK(l.entries[0].month == "2026-01");
    const auto r = verify(l);
    CHECK(r.problems.empty());
    CHECK(r.legacy == 7);
    CHECK(r.chained == 0);
}

TEST_CASE("ledger: entries are the month sections' blocks and ids continue the day's highest") {
    const std::string text = "# Ledger\n```yaml\nnot: counted (before the months)\n## 2026-12\n```\n"
                             "## 2026-11\n\n```yaml\n---\noperation_id: OPS-2026-11-30-002\n```\n\n"
                             "```yaml   \noperation_id: \"OPS-2026-11-30-009\"\n```\n"
                             "## 2026-10\n```yaml\noperation_id: OPS-2026-10-01-001\n```\n"
                             "## Template\n```yaml\noperation_id: OPS-2026-10-01-007\n```\n";
    const Ledger l = parsed(text);
    REQUIRE(l.entries.size() == 3);
    CHECK(l.entries[1].operation_id == "OPS-2026-11-30-009"); // quoted: read by yaml-cpp
    CHECK(l.entries[2].month == "2026-10");
    CHECK(next_operation_id(l, "2026-11-30") == "OPS-2026-11-30-010");
    CHECK(next_operation_id(l, "2026-10-01") == "OPS-2026-10-01-002"); // not the Template's
    CHECK(next_operation_id(l, "2026-12-01") == "OPS-2026-12-01-001");
    CHECK(has_operation(l, "OPS-2026-10-01-001"));
    CHECK_FALSE(has_operation(l, "OPS-2026-10-01-00"));
    CHECK(parsed("").entries.empty());
    CHECK(parsed("## Template\n```yaml\n```\n").entries.empty());
}

TEST_CASE("ledger: a ledger that cannot be read is an integrity error named by line") {
    for (const std::string& text :
         {std::string("## 2026-11\n```yaml\noperation_id: x\n"), std::string("## 2026-11\n```yaml\n- a list\n```\n"),
          std::string("## 2026-11\n```yaml\nnotes: [unclosed\nchain_seq: 1\n```\n"),
          std::string("## 2026-11\n```yaml\nchain_seq: one\n```\n"),
          std::string("# L\n```yaml\n## 2026-11\n")}) { // unclosed above the months
        auto l = parse(text);
        INFO(text);
        REQUIRE_FALSE(l.ok());
        CHECK(l.error().code == ExitCode::integrity);
        CHECK_THAT(l.error().message, Catch::Contains("ledger line 2"));
    }
}

TEST_CASE("ledger: the chain fields are read from the block's last lines as written") {
    const std::string text = appended(appended("# L\n", "2026-11", "one"), "2026-11", "two");
    const Ledger l = parsed(text);
    REQUIRE(l.entries.size() == 2);
    CHECK(l.entries[0].seq == std::optional<uint64_t>(2));
    CHECK(l.entries[0].chain_lines_as_written);
    CHECK(l.entries[0].prev_hash == l.entries[1].entry_hash);
    CHECK(l.entries[1].prev_hash == k_zero_hash);
    CHECK(l.head_seq == std::optional<uint64_t>(2));
    CHECK(l.head_hash == l.entries[0].entry_hash);
    CHECK(chain_head(l).seq == 2);
    CHECK(chain_head(l).hash == l.entries[0].entry_hash);
    CHECK(verify(l).problems.empty());

    SECTION("chain fields in another form are read with yaml-cpp, and verify calls the block edited") {
        std::string t = text;
        t.replace(t.find("chain_seq: 2\n"), 13, "chain_seq:   2\n");
        const Ledger e = parsed(t);
        CHECK(e.entries[0].seq == std::optional<uint64_t>(2));
        CHECK_FALSE(e.entries[0].chain_lines_as_written);
        CHECK_THAT(verify(e).problems.at(0), Catch::Contains("not its last lines as written"));
    }
    SECTION("a quoted operation_id is read with yaml-cpp") {
        std::string t = text;
        const std::string id = l.entries[0].operation_id;
        t.replace(t.find("operation_id: " + id), 14 + id.size(), "operation_id: \"" + id + "\"");
        CHECK(parsed(t).entries[0].operation_id == id);
    }
}

TEST_CASE("ledger: an entry goes to the top of its month section (created in order) and the trailer stays") {
    const std::string s = seed();
    std::string text = appended(s, "2026-11", "newer month");
    const std::string trailer = s.substr(s.find("\n---\n\n## Template"));
    CHECK(text.substr(text.size() - trailer.size()) == trailer);
    CHECK(text.find("## 2026-11") < text.find("## 2026-01"));
    text = appended(text, "2026-11", "same month");
    text = appended(text, "2025-12", "older month");
    const Ledger l = parsed(text);
    REQUIRE(l.entries.size() == 10);
    CHECK(l.entries[0].seq == std::optional<uint64_t>(2));
    CHECK(l.entries[1].seq == std::optional<uint64_t>(1));
    CHECK(l.entries[9].seq == std::optional<uint64_t>(3));
    CHECK(l.entries[9].month == "2025-12");
    CHECK(text.substr(text.size() - trailer.size()) == trailer);
    // The head comment is under the title, once.
    CHECK(text.find("<!-- ops-ledger-head: seq=3 ") == text.find('\n') + 1);
    CHECK(text.find("<!-- ops-ledger-head:", text.find("<!-- ops-ledger-head:") + 1) == std::string::npos);
    // Hand-kept text is kept byte for byte: the old file minus the inserted blocks.
    CHECK(text.size() > s.size());
}

TEST_CASE("ledger: insertion into odd files keeps one entry per block and a newline at the end") {
    for (const std::string& text : {std::string(), std::string("# Title"), std::string("# T\n\n---\n\n## Template\n"),
                                    std::string("# T\n## Intro\n## 2026-10\n```yaml\n---\na: b\n```\n")}) {
        INFO(text);
        const std::string out = appended(text, "2026-11", "x");
        const Ledger before = parsed(text), after = parsed(out);
        CHECK(after.entries.size() == before.entries.size() + 1);
        CHECK(after.entries[0].month == "2026-11");
        CHECK(out.ends_with('\n'));
        CHECK(out.find("\n\n\n") == std::string::npos);
        CHECK(verify(after).problems.empty());
    }
}

TEST_CASE("ledger: an appended entry is the last leaf: the new file's tree is the old tree plus its block") {
    // ops-ledger-append signs this tree without parsing the file it writes.
    std::string three = seed();
    for (const auto* month : {"2026-11", "2026-11", "2025-12"})
        three = appended(three, month, "entry");
    for (const std::string& text :
         {std::string(), std::string("# T\n\n---\n\n## Template\n"),
          std::string("# T\n## Intro\n## 2026-10\n```yaml\n---\na: b\n```\n"), seed(), three}) {
        for (const auto* month : {"2026-12", "2026-01", "2025-01"}) {
            INFO(text << "\n" << month);
            const auto [out, body] = append_to(text, month, "new");
            crypto::Frontier expected = check_checkpoints(parsed(text), {}, {}, false).tree;
            expected.append(crypto::leaf_hash(body));
            const Ledger after = parsed(out);
            const crypto::Frontier tree = check_checkpoints(after, {}, {}, false).tree;
            CHECK(tree.size() == expected.size());
            CHECK(tree.root() == expected.root());
            const auto order = append_order(after);
            REQUIRE(!order.empty());
            CHECK(order.back()->body == body);
        }
    }
}

TEST_CASE("ledger: verify names an edited value or legacy entry and a removed or reordered entry or head") {
    std::string good = seed();
    for (int i = 0; i < 4; ++i)
        good = appended(good, "2026-11", "entry " + std::to_string(i));
    REQUIRE(verify(parsed(good)).problems.empty());
    const auto block = [&](const std::string& text, size_t n) { // [begin, end) of the n-th block
        size_t p = text.find("```yaml\n");
        for (size_t k = 0; k < n; ++k)
            p = text.find("```yaml\n", p + 1);
        return std::pair{p, text.find("```\n", p + 8) + 4};
    };
    const auto problems = [&](const std::string& text) {
        std::string all;
        for (const auto& p : verify(parsed(text)).problems)
            all += p + "\n";
        return all;
    };
    SECTION("an edited value") {
        std::string t = good;
        t.replace(t.find("notes: entry 2"), 14, "notes: entry 9");
        CHECK_THAT(problems(t), Catch::Contains("does not match its entry_hash"));
    }
    SECTION("an edited legacy entry is not a chain break") {
        std::string t = good;
        t.replace(t.find("hostname: Gemgeminay"), 20, "hostname: elsewhere1");
        CHECK(problems(t).empty());
    }
    SECTION("a removed entry (in the middle)") {
        const auto [b, e] = block(good, 1);
        CHECK_THAT(problems(good.substr(0, b) + good.substr(e)),
                   Catch::Contains("missing before it (entries removed)"));
    }
    SECTION("the newest entry removed") {
        const auto [b, e] = block(good, 0);
        CHECK_THAT(problems(good.substr(0, b) + good.substr(e)), Catch::Contains("newest entries removed"));
    }
    SECTION("a reordered pair") {
        const auto [b1, e1] = block(good, 1);
        const auto [b2, e2] = block(good, 2);
        const std::string t = good.substr(0, b1) + good.substr(b2, e2 - b2) + good.substr(e1, b2 - e1) +
                              good.substr(b1, e1 - b1) + good.substr(e2);
        CHECK_THAT(problems(t), Catch::Contains("reordered"));
    }
    SECTION("the head comment removed") {
        std::string t = good;
        const size_t h = t.find("<!-- ops-ledger-head");
        t.erase(h, t.find('\n', h) + 1 - h);
        CHECK_THAT(problems(t), Catch::Contains("head comment"));
    }
}
