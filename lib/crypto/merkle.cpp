#include "crypto/merkle.hpp"

#include "crypto/hex.hpp"

#include <bit>
#include <charconv>
#include <fmt/format.h>
#include <optional>

namespace qops::crypto {
namespace {

std::optional<Hash> parse_hex_hash(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    Hash h{};
    for (size_t i = 0; i < h.size(); ++i) {
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
        if (ec != std::errc() || end != hex.data() + 2 * i + 2) return std::nullopt;
        h[i] = static_cast<unsigned char>(v);
    }
    return h;
}

// MTH(D[0:n]) of RFC 6962 section 2.1: split at the largest power of two below n.
Hash subtree_hash(const std::vector<Hash>& leaves, size_t begin, size_t end) {
    const size_t n = end - begin;
    if (n == 1) return leaves[begin];
    const size_t k = std::bit_floor(n - 1);
    return node_hash(subtree_hash(leaves, begin, begin + k), subtree_hash(leaves, begin + k, end));
}

} // namespace

// One digest context per thread, reset by each digest(): a fresh EVP context per hash
// costs more than the hash of a log line (bench/RESULTS.md, "audit-log verify").
Sha256& reused_context() {
    thread_local Sha256 h;
    return h;
}

Hash leaf_hash(std::string_view leaf) {
    Sha256& h = reused_context();
    const unsigned char prefix = 0x00;
    return h.update(&prefix, 1).update(leaf).digest();
}

Hash node_hash(const Hash& left, const Hash& right) {
    Sha256& h = reused_context();
    const unsigned char prefix = 0x01;
    return h.update(&prefix, 1).update(left.data(), left.size()).update(right.data(), right.size()).digest();
}

void Frontier::append(const Hash& leaf) {
    // Like a binary increment: each trailing one bit of the old size is a perfect subtree
    // of the same size as the one being carried, so the two merge.
    Hash carry = leaf;
    for (uint64_t bits = m_size; (bits & 1) != 0; bits >>= 1) {
        carry = node_hash(m_nodes.back(), carry);
        m_nodes.pop_back();
    }
    m_nodes.push_back(carry);
    ++m_size;
}

Hash Frontier::root() const {
    if (m_nodes.empty()) return sha256("");
    // The smallest subtrees are the rightmost: fold them from the right.
    Hash h = m_nodes.back();
    for (size_t i = m_nodes.size() - 1; i-- > 0;)
        h = node_hash(m_nodes[i], h);
    return h;
}

std::string Frontier::serialize() const {
    std::string out = std::to_string(m_size);
    for (const auto& n : m_nodes)
        out += " " + to_hex(n.data(), n.size());
    return out;
}

Result<Frontier> Frontier::parse(std::string_view text) {
    Frontier f;
    const size_t space = std::min(text.find(' '), text.size());
    const auto [end, ec] = std::from_chars(text.data(), text.data() + space, f.m_size);
    if (ec != std::errc() || end != text.data() + space || space == 0)
        return integrity_error("tree state: the size is not a number");
    text.remove_prefix(space);
    while (!text.empty()) {
        if (text.front() != ' ') return integrity_error("tree state: bad separator");
        text.remove_prefix(1);
        auto h = parse_hex_hash(text.substr(0, 64));
        if (!h) return integrity_error("tree state: a hash is not 64 hex digits");
        f.m_nodes.push_back(*h);
        text.remove_prefix(std::min<size_t>(64, text.size()));
    }
    if (f.m_nodes.size() != static_cast<size_t>(std::popcount(f.m_size)))
        return integrity_error(fmt::format("tree state: {} hashes for size {}", f.m_nodes.size(), f.m_size));
    return f;
}

Hash tree_hash(const std::vector<Hash>& leaves) {
    if (leaves.empty()) return sha256("");
    return subtree_hash(leaves, 0, leaves.size());
}

} // namespace qops::crypto
