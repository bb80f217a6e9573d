// The policy document: parsing and validation; a document that parses seals into hash
// fields that the fail-closed reader accepts.
#include "fuzz.hpp"
#include "policy/document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    auto doc = policy::parse_document(fuzz::text(data, size));
    if (!doc) return 0;
    constexpr int64_t now = 1'800'000'000;
    const auto sealed = policy::seal(*doc, now, "fuzz");
    auto back = policy::verify_fields(sealed.hash_fields(), now);
    fuzz::require(back.ok(), "a sealed document is not accepted by verify_fields");
    fuzz::require(back->policy_hash == sealed.policy_hash, "the hash changed on the way back");
    // And the stored form read back by a reader is fail-closed on any change of a field.
    auto fields = sealed.hash_fields();
    fields["policy_hash"][0] = fields["policy_hash"][0] == '0' ? '1' : '0';
    fuzz::require(!policy::verify_fields(fields, now).ok(), "a changed hash was accepted");
    return 0;
}
