#pragma once
// RFC 6962 Merkle trees over SHA-256 (the tree hash of C2SP tlog-checkpoint bodies):
//   leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right),
//   the empty tree's hash = SHA-256("").
// An append-only log keeps only its tree's right frontier (one hash per set bit of the
// size), so an append costs O(log n) whatever the log's size.

#include "base/error.hpp"
#include "crypto/sha256.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qops::crypto {

using Hash = Digest;

Hash leaf_hash(std::string_view leaf);
Hash node_hash(const Hash& left, const Hash& right);

// The right frontier of an append-only tree: the roots of its perfect subtrees, largest
// (leftmost) first; their sizes are the set bits of size().
class Frontier {
public:
    // Adds a leaf (by its leaf hash) at index size().
    void append(const Hash& leaf);
    uint64_t size() const noexcept { return m_size; }
    // The RFC 6962 tree hash of the leaves appended so far.
    Hash root() const;

    // One line: "<size> <hex hash>..." (the frontier's hashes, largest subtree first).
    std::string serialize() const;
    // Errors: integrity (not a frontier: wrong count of hashes for the size, bad hex).
    static Result<Frontier> parse(std::string_view text);

private:
    uint64_t m_size = 0;
    std::vector<Hash> m_nodes; // one per set bit of m_size, most significant first
};

// The tree hash of a whole list of leaf hashes (the definition, for checks and tests).
Hash tree_hash(const std::vector<Hash>& leaves);

} // namespace qops::crypto
