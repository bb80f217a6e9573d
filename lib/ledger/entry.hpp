#pragma once
// A new ledger entry's block, rendered with YAML::Emitter. Every value reads back, with
// any YAML reader, as the string it was (CONTRACT.md "Ops ledger"): a string YAML could
// take for something else (yes, null, ~, 1e3, 0x1F, 012, a date, a leading "- " or "#",
// ": ", surrounding spaces) is double-quoted. The block ends in the chain fields, in the
// one fixed form ledger.hpp reads:
//   chain_seq: N
//   prev_hash: "<64 hex>"
//   entry_hash: "<64 hex>"       (SHA-256 of the block's text above this line)

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qops::ledger {

// A field value of a new entry: a string, a list of strings, a map of strings, or a
// multi-line text (a literal block when it reads back exactly as one).
struct Field {
    std::string key;
    enum class Kind { scalar, list, map, block } kind = Kind::scalar;
    std::string scalar;
    std::vector<std::string> list;
    std::vector<std::pair<std::string, std::string>> map;
};

// The block body ("---", the fields in order, chain_seq, prev_hash, entry_hash), each
// line ending in a newline.
std::string render_entry(const std::vector<Field>& fields, uint64_t seq, const std::string& prev_hash);

// The entry_hash of a body without its entry_hash line.
std::string entry_hash_of(const std::string& body_without_hash_line);

// True when yaml-cpp reads body as a map holding every field with exactly its value.
bool reads_back(const std::string& body, const std::vector<Field>& fields);

} // namespace qops::ledger
