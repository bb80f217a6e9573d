// The ops ledger: the lenient reader of the hand-kept markdown, verification, and the
// text scans and insertion an append makes.
#include "fuzz.hpp"
#include "ledger/ledger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    const std::string text = fuzz::text(data, size);
    auto parsed = ledger::parse(text, true);
    if (parsed) (void)ledger::verify(*parsed);
    (void)ledger::next_operation_id(text, "2026-11-30");
    (void)ledger::has_operation(text, "OPS-2026-11-30-001");
    (void)ledger::count_entries(text);
    auto head = ledger::chain_head(text);
    if (!head) return 0;
    const std::string body = "---\noperation_id: OPS-2026-11-30-001\nchain_seq: " + std::to_string(head->seq + 1) +
                             "\nprev_hash: \"" + head->hash + "\"\n";
    const std::string out = ledger::insert_entry(text, "2026-11", body, head->seq + 1, std::string(64, 'a'));
    fuzz::require(out.size() >= body.size(), "the insertion lost the entry");
    fuzz::require(out.find(body) != std::string::npos, "the entry is not in the new text");
    return 0;
}
