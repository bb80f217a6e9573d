// The ops ledger: the reader (chain lines, yaml-cpp and the legacy reader), verification,
// the chain head, ids, and the insertion an append makes.
#include "fuzz.hpp"
#include "ledger/ledger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    const std::string text = fuzz::text(data, size);
    auto parsed = ledger::parse(text);
    if (!parsed) return 0;
    (void)ledger::verify(*parsed);
    for (const auto& e : parsed->entries)
        (void)ledger::load_entry(e.body);
    (void)ledger::next_operation_id(*parsed, "2026-11-30");
    (void)ledger::has_operation(*parsed, "OPS-2026-11-30-001");
    const auto head = ledger::chain_head(*parsed);
    const std::string body = ledger::render_entry(
        {{"operation_id", ledger::Field::Kind::scalar, "OPS-2026-11-30-001", {}, {}}}, head.seq + 1, head.hash);
    const std::string out = ledger::insert_entry(text, "2026-11", body, head.seq + 1, std::string(64, 'a'));
    fuzz::require(out.find("```yaml\n" + body + "```\n") != std::string::npos, "the entry is not in the new text");
    auto again = ledger::parse(out);
    fuzz::require(again.ok() && again->entries.size() == parsed->entries.size() + 1, "the new text lost an entry");
    // An append signs the old tree plus the new block's leaf without parsing what it writes.
    crypto::Frontier expected = ledger::check_checkpoints(*parsed, {}, {}, false).tree;
    expected.append(crypto::leaf_hash(body));
    const crypto::Frontier tree = ledger::check_checkpoints(*again, {}, {}, false).tree;
    fuzz::require(tree.size() == expected.size() && tree.root() == expected.root(),
                  "the new text's tree is not the old one plus the new entry");
    return 0;
}
