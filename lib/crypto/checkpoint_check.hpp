#pragma once
// Checking an append-only log's leaves against signed checkpoints (CONTRACT.md, "Audit
// log and ledger: checkpoints"), shared by the audit log and the ledger:
// - every checkpoint given (files, the stored one, the largest this verifier accepted
//   before) must be a checkpoint signed by a listed verifier key whose name is its origin;
// - the log's first N leaves must hash to the root of each checkpoint of size N;
// - two checkpoints of one origin and size with different roots are an equivocation;
// - the largest consistent checkpoint is recorded in the verifier's state directory.

#include "base/error.hpp"
#include "crypto/checkpoint.hpp"
#include "crypto/merkle.hpp"
#include "crypto/note.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qops::crypto {

inline constexpr const char* k_accepted_checkpoints_file = "checkpoints-accepted";

// One problem found by a verify: where (a 1-based leaf/line number, 0 for the whole
// file), a short stable kind (e.g. "edited", "truncated", "equivocation") and the detail.
struct Problem {
    Problem(uint64_t line_, std::string kind_, std::string detail_, std::string file_ = {}, uint64_t file_line_ = 0)
        : line(line_), kind(std::move(kind_)), detail(std::move(detail_)), file(std::move(file_)),
          file_line(file_line_) {}

    uint64_t line = 0;
    std::string kind;
    std::string detail;
    std::string file;       // a log of several files (a rotated audit log): the file the line is in
    uint64_t file_line = 0; // and its line there (line stays the entry's number in the whole log)
};

// A checkpoint to check and where it came from (a file name, "stored", "accepted state").
struct CheckpointInput {
    std::string source;
    std::string note;           // a signed note, or a bare body (an unsigned checkpoint)
    bool trusted_state = false; // the verifier's own accepted state: no signature needed
};

struct CheckedCheckpoint {
    std::string source;
    CheckpointBody body;
    bool authenticated = false; // signed by a listed key named as the origin (or trusted state)
    bool consistent = false;    // set once its size was reached and its root matched
    bool trusted_state = false; // the accepted state (its body keeps no extension lines)
};

// Feeds a log's leaves, in order, and checks them against the given checkpoints.
class CheckpointCheck {
public:
    // Parses every input. keys empty: signatures are not checked (unauthenticated, the
    // caller says so). Problems recorded here: unreadable, unsigned or unlisted signer,
    // another origin than the first input's, equivocation between two inputs.
    CheckpointCheck(const std::vector<CheckpointInput>& inputs, const std::vector<VerifierKey>& keys);

    // The next leaf, by its leaf hash.
    void add_leaf(const Hash& leaf);
    // Continues from the tree state `from` (its size at least leaves()), as if its leaves
    // had been fed: the oldest files of a rotated log removed by retention. Checkpoints
    // smaller than it can no longer be checked; skipped() counts them.
    void restart_at(const Frontier& from);
    uint64_t skipped() const noexcept { return m_skipped; }
    // After the last leaf: a checkpoint larger than the log is a truncation.
    void finish();

    uint64_t leaves() const noexcept { return m_frontier.size(); }
    const Frontier& frontier() const noexcept { return m_frontier; }
    const std::vector<CheckedCheckpoint>& checkpoints() const noexcept { return m_checkpoints; }
    const std::vector<Problem>& problems() const noexcept { return m_problems; }
    // The largest authenticated checkpoint whose root matched, if any.
    std::optional<CheckpointBody> largest_consistent() const;

private:
    void check_due();

    Frontier m_frontier;
    std::vector<CheckedCheckpoint> m_checkpoints;
    std::vector<size_t> m_order; // indexes of m_checkpoints by size
    size_t m_next = 0;           // next index in m_order to check
    uint64_t m_skipped = 0;
    std::vector<Problem> m_problems;
};

// The text of a checkpoint: the note of body signed by key under the origin's name, or
// the bare body when key is null (an unauthenticated log). Errors: usage (unfit origin).
Result<std::string> checkpoint_note(const CheckpointBody& body, const SigningKey* key);

// Reads the body of a stored checkpoint without checking its signatures (the appender
// reads its own last checkpoint). Errors: integrity.
Result<CheckpointBody> checkpoint_body_of(std::string_view note);

// The largest checkpoint of origin this verifier accepted before, kept in
// <state_dir>/checkpoints-accepted ("<origin> <size> <base64 root>" lines). Errors:
// unavailable (unreadable), integrity (garbled).
Result<std::optional<CheckpointBody>> read_accepted_checkpoint(const std::string& state_dir, const std::string& origin);

// The checkpoint accepted before for the origin of the first readable input, as an input
// to check (trusted_state); nullopt when there is none. Errors: as read_accepted_checkpoint.
Result<std::optional<CheckpointInput>> accepted_input(const std::string& state_dir,
                                                      const std::vector<CheckpointInput>& inputs);

// Records body when it is larger than what was accepted before for its origin (under a
// lock, atomically). Errors: integrity (same size, other root), unavailable.
Result<void> record_accepted_checkpoint(const std::string& state_dir, const CheckpointBody& body);

// The log's signing key from $<env_var> (a file) or the credential <credential>;
// nullopt when neither is configured, or the credential is empty (an unauthenticated log,
// which the caller WARNs about). Errors (usage, naming the file): SigningKey::load_pem_file's.
Result<std::optional<SigningKey>> load_optional_signing_key(const char* env_var, const std::string& credential);

} // namespace qops::crypto
