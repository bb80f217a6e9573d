#pragma once
// The ops ledger (CONTRACT.md, "Ops ledger"): a markdown file with `## YYYY-MM` month
// sections (newest first), each entry a fenced ```yaml block beginning with `---`, newest
// first in its month, and the Template and Usage Notes sections at the end.
//
// Chain: every entry written by this tool carries chain_seq (1, 2, ... in append order),
// prev_hash (the previous entry's entry_hash; 64 zeros for the first) and, as its last
// line, entry_hash = SHA-256 of the block's text above that line (hashes written quoted). Any byte changed in a
// block, a removed or reordered entry, breaks it. The newest entry's seq and hash are
// also kept in a head comment near the top of the file, so removing the newest entry is
// seen too. Entries written before the chain (the hand-kept ones) are legacy: reported as
// unchained, never as broken.

#include "base/error.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qops::ledger {

inline constexpr const char* k_zero_hash = "0000000000000000000000000000000000000000000000000000000000000000";

struct EntryBlock {
    std::string body;      // the text between ```yaml and ``` (each line ends with \n)
    YAML::Node node;       // parsed body
    std::string month;     // the section it is in ("2026-01")
    size_t first_line = 0; // 1-based line of the ```yaml fence
    std::string operation_id;
    std::optional<uint64_t> seq; // chain_seq, when chained
    std::string prev_hash;       // as written, unquoted
    bool lenient = false;        // a hand-kept block that is not strict YAML, read line by line
};

struct Ledger {
    std::vector<EntryBlock> entries; // in file order
    std::optional<uint64_t> head_seq;
    std::string head_hash;
};

// Parses the file's text. With load_yaml every block is also read as YAML into `node`
// (hand-kept blocks that are not strict YAML leniently); without it, only the fields the
// chain needs are read from the text, which is what verify and append use.
// Errors: usage (a chained block that is not YAML, named by line).
Result<Ledger> parse(std::string_view text, bool load_yaml = true);

struct VerifyReport {
    size_t entries = 0, chained = 0, legacy = 0;
    std::vector<std::string> problems; // empty when intact
};
VerifyReport verify(const Ledger& ledger);

// A field value of a new entry: a string, a list of strings, or a map of strings.
struct Field {
    std::string key;
    enum class Kind { scalar, list, map, block } kind = Kind::scalar;
    std::string scalar;
    std::vector<std::string> list;
    std::vector<std::pair<std::string, std::string>> map;
};

// Renders the block body of a new entry (fields in order, then chain_seq and prev_hash),
// followed by its entry_hash line. Strings that YAML could read otherwise are quoted.
std::string render_entry(const std::vector<Field>& fields, uint64_t seq, const std::string& prev_hash);

// The entry_hash line's value for a body rendered without it.
std::string entry_hash_of(const std::string& body_without_hash_line);

// What an append reads from the current file's text, without loading every entry.

// The next OPS-YYYY-MM-DD-NNN for date ("2026-01-28").
std::string next_operation_id(std::string_view text, const std::string& date);

// True when an entry has this operation_id.
bool has_operation(std::string_view text, std::string_view id);

// The chain head: the highest seq and its entry_hash (0 and zeros when none). Taken from
// the head comment when the entry it names is present, intact and the newest; otherwise
// found by reading every entry. Errors: usage (a block that does not parse).
struct ChainHead {
    uint64_t seq = 0;
    std::string hash = k_zero_hash;
};
Result<ChainHead> chain_head(std::string_view text);

// The number of entries (```yaml blocks of the month sections).
size_t count_entries(std::string_view text);

// The new file: the old text with the entry block inserted at the top of its month
// section (created in order when missing) and the head comment updated (added under the
// title when missing), as pieces, so the old text is written out without being copied.
// Refers to text, which must outlive it.
struct Splice {
    std::string_view text; // the old file
    std::string head;      // the head comment line
    std::string insertion; // the block, with the month heading when the section is new
    enum class Source { text, head, insertion, newline };
    struct Piece {
        Source source;
        size_t begin, end; // offsets in the source
    };
    std::vector<Piece> pieces; // in file order

    std::vector<std::string_view> views() const;
    size_t size() const;
    std::string str() const;
};
Splice splice_entry(std::string_view text, const std::string& month, const std::string& block_body, uint64_t seq,
                    const std::string& entry_hash);

// splice_entry's result as one string.
std::string insert_entry(std::string_view text, const std::string& month, const std::string& block_body, uint64_t seq,
                         const std::string& entry_hash);

} // namespace qops::ledger
