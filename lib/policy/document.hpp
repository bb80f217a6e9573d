#pragma once
// The policy document (CONTRACT.md, "Policy"): parsing with every field rule, the
// canonical JSON that is stored and hashed, and the Redis hash fields derived from it.

#include "base/error.hpp"

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
    std::string policy_json; // canonical JSON: sorted keys, no whitespace
    std::string policy_hash; // lowercase hex SHA-256 of policy_json

    std::string leverage_range() const;
    // The fields of quantum:policy:current.
    std::map<std::string, std::string> hash_fields() const;
};

// Parses and validates an input document. Errors (usage): one line naming the field.
Result<Document> parse_document(std::string_view json_text);

// Stamps doc at now and computes its canonical JSON and hash. generator_fallback
// fills `generator` when the document has none.
Sealed seal(Document doc, int64_t now_epoch, const std::string& generator_fallback);

// The fields every stored policy must have.
const std::vector<std::string>& required_fields();

// Verifies stored hash fields, fail-closed: all fields present, hash = SHA-256 of
// policy_json, policy_json a valid stamped document agreeing with the other fields,
// and not expired at now. Errors (integrity): what is wrong.
Result<Sealed> verify_fields(const std::map<std::string, std::string>& fields, int64_t now_epoch);

// "6.0x-15.0x": integral values keep one decimal, others their shortest form.
std::string format_leverage_range(double min, double max);

} // namespace qops::policy
