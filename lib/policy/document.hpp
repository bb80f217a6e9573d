#pragma once
// The policy document (CONTRACT.md, "Policy" and "Policy, second edition"): parsing with
// every field rule, the canonical JSON that is stored and hashed, the Redis hash fields
// derived from it, and the signed note that vouches for its sequence number and hash.

#include "base/error.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/note.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qops::policy {

inline constexpr int64_t k_freshness_margin_seconds = 1800;
inline constexpr int64_t k_default_valid_for_seconds = 3600;
inline constexpr int64_t k_max_valid_for_seconds = 31LL * 24 * 3600;
inline constexpr double k_max_leverage = 125.0;
inline constexpr size_t k_max_universe = 10000;
inline constexpr size_t k_max_document_bytes = 1u << 20;
// Readers accept a created_at_epoch at most this far ahead of their clock (clock skew).
inline constexpr int64_t k_max_clock_skew_seconds = 60;
// The name of the policy signing key in its verifier key and note signatures.
inline constexpr const char* k_signing_key_name = "quantum-ops/policy";

struct Document {
    std::string policy_version;
    std::vector<std::string> universe;
    double leverage_min = 0;
    double leverage_max = 0;
    std::string exit_owner;
    std::string generator; // empty when the document has none
    int64_t valid_for_seconds = k_default_valid_for_seconds;
};

// A document sealed for storage: stamped, canonicalised and hashed.
struct Sealed {
    Document doc;
    int64_t created_at_epoch = 0;
    int64_t valid_until_epoch = 0;
    int64_t policy_seq = 0;  // strictly increasing across all refreshes
    std::string policy_json; // canonical JSON: sorted keys, no whitespace
    std::string policy_hash; // lowercase hex SHA-256 of policy_json
    std::string policy_note; // signed note of note_text(); empty until signed

    std::string leverage_range() const;
    // The fields of quantum:policy:current (policy_note only once signed).
    std::map<std::string, std::string> hash_fields() const;
    // "quantum-ops/policy\n<policy_seq>\n<policy_hash>\n": the text the note signs.
    std::string note_text() const;
};

// Parses and validates an input document. Errors (usage): one line naming the field.
Result<Document> parse_document(std::string_view json_text);

// Stamps doc at now with policy_seq and computes its canonical JSON and hash.
// generator_fallback fills `generator` when the document has none.
Sealed seal(Document doc, int64_t now_epoch, const std::string& generator_fallback, int64_t policy_seq = 1);

// Sets sealed.policy_note: note_text() signed by key under k_signing_key_name.
void sign(Sealed& sealed, const crypto::SigningKey& key);

// The verifier key of key under k_signing_key_name.
crypto::VerifierKey policy_verifier_key(const crypto::SigningKey& key);

// The fields every stored policy must have.
const std::vector<std::string>& required_fields();

// Verifies stored hash fields as a document, fail-closed: all fields but policy_note
// present, hash = SHA-256 of policy_json, policy_json a valid stamped document agreeing
// with the other fields, not expired at now, created_at_epoch <= now + 60 and
// valid_until_epoch - created_at_epoch <= 31 days. Errors (integrity): what is wrong.
Result<Sealed> verify_fields(const std::map<std::string, std::string>& fields, int64_t now_epoch);

// The checks of verify_fields that depend on the clock: created_at_epoch <= now + 60,
// 0 <= created_at_epoch <= valid_until_epoch <= created_at_epoch + 31 days, not expired.
Result<void> check_times(const Sealed& sealed, int64_t now_epoch);

// verify_fields, and policy_note a signed note by one of trusted whose text names this
// policy_seq and policy_hash. Errors (integrity): what is wrong (no trusted keys included).
Result<Sealed> verify_signed(const std::map<std::string, std::string>& fields, int64_t now_epoch,
                             const std::vector<crypto::VerifierKey>& trusted);

// "6.0x-15.0x": integral values keep one decimal, others their shortest form.
std::string format_leverage_range(double min, double max);

} // namespace qops::policy
