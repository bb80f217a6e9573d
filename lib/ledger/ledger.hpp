#pragma once
// The ops ledger file (CONTRACT.md, "Ops ledger"): a markdown file with `## YYYY-MM` month
// sections (newest first), each entry a fenced ```yaml block beginning with `---`, newest
// first in its month, and the Template and Usage Notes sections at the end.
//
// Chain: every entry written by this tool ends in chain_seq (1, 2, ... in append order),
// prev_hash (the previous entry's entry_hash; 64 zeros for the first) and entry_hash =
// SHA-256 of the block's text above that line (entry.hpp renders them). Any byte changed
// in a block, a removed or reordered entry, breaks it. The newest entry's seq and hash are
// also kept in a head comment near the top of the file, so removing the newest entry is
// seen too. Entries written before the chain (the hand-kept ones) are legacy: reported as
// unchained, never as broken.

#include "base/error.hpp"
#include "crypto/checkpoint_check.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/entry.hpp"

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
    std::string month;     // the section it is in ("2026-01")
    size_t first_line = 0; // 1-based line of the ```yaml fence
    std::string operation_id;
    std::optional<uint64_t> seq;         // chain_seq, when chained
    std::string prev_hash, entry_hash;   // as written, unquoted
    bool chain_lines_as_written = false; // the chain fields are the last lines, in entry.hpp's form
};

struct Ledger {
    std::vector<EntryBlock> entries; // in file order
    std::optional<uint64_t> head_seq;
    std::string head_hash;
};

// The file's entries and head comment. A block ending in the chain fields as entry.hpp
// writes them is read from those lines and its operation_id line; any other block is read
// with yaml-cpp (load_entry). Errors: integrity (an unclosed fence, a block that is not a
// map, a chained block that is not YAML, a chain_seq that is not a number).
Result<Ledger> parse(std::string_view text);

// An entry's body as YAML: yaml-cpp, or for an unchained block it refuses, the legacy
// reader (legacy.hpp). Errors: integrity (not readable, not a map).
struct LoadedEntry {
    YAML::Node node;
    bool legacy_reader = false;
};
Result<LoadedEntry> load_entry(const std::string& body);

struct VerifyReport {
    size_t entries = 0, chained = 0, legacy = 0;
    std::vector<std::string> problems; // empty when intact
};
// Checks every chained entry's hash, the sequence, the prev_hash links, the append order,
// each entry's month section, the head comment, and that unchained entries are only the
// oldest part (below every chained entry in the file).
VerifyReport verify(const Ledger& ledger);

// The entries in append order, the checkpoint's leaves: the unchained (legacy) entries
// from the bottom of the file up (the file is newest first), then the chained ones by
// chain_seq. Each leaf is the entry's block text between its fences, as stored.
std::vector<const EntryBlock*> append_order(const Ledger& ledger);

// "OPS-ID (line N)" of an entry.
std::string entry_name(const EntryBlock& e);

// The checkpoint beside a ledger: <ledger>.checkpoint.
std::string checkpoint_path(const std::string& ledger);

// The checkpoint signing key: $QUANTUM_LEDGER_SIGNING_KEY_FILE, else the credential
// ledger-signing-key; nullopt when neither is set. Errors (usage, naming the file).
Result<std::optional<crypto::SigningKey>> load_signing_key();

// $QUANTUM_CHECKPOINT_ORIGIN, else <hostname>/quantum-ops/ledger.
std::string default_origin();

struct CheckpointReport {
    std::vector<std::string> problems; // each naming the entry and its line, or the file
    std::vector<crypto::CheckedCheckpoint> checkpoints;
    std::optional<crypto::CheckpointBody> largest; // the largest consistent authenticated one
    bool stored = false;                           // <ledger>.checkpoint was there
    uint64_t uncovered = 0;                        // entries (append order) after the stored checkpoint's
    std::string uncovered_problem;                 // what verify reports about them (not in problems)
    crypto::Frontier tree;                         // of every entry's leaf, in append order
};

// Checks the ledger's entries against the checkpoints (inputs: the stored one first, then
// those given, then the accepted state's), as audit::verify does for the audit log.
CheckpointReport check_checkpoints(const Ledger& ledger, const std::vector<crypto::CheckpointInput>& inputs,
                                   const std::vector<crypto::VerifierKey>& keys, bool stored);

// The next OPS-YYYY-MM-DD-NNN for date ("2026-01-28").
std::string next_operation_id(const Ledger& ledger, const std::string& date);

// True when an entry has this operation_id.
bool has_operation(const Ledger& ledger, std::string_view id);

// The chain's newest entry: the highest seq and its entry_hash (0 and zeros when none).
struct ChainHead {
    uint64_t seq = 0;
    std::string hash = k_zero_hash;
};
ChainHead chain_head(const Ledger& ledger);

// The new file: text with the block inserted at the top of its month section (created in
// order, before the trailer, when missing) and the head comment replaced, or added under
// the title.
std::string insert_entry(std::string_view text, const std::string& month, const std::string& block_body, uint64_t seq,
                         const std::string& entry_hash);

} // namespace qops::ledger
