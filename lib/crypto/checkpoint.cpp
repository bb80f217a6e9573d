#include "crypto/checkpoint.hpp"

#include "base/text.hpp"
#include "crypto/base64.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace qops::crypto {

std::string CheckpointBody::text() const {
    std::string out = origin + "\n" + std::to_string(size) + "\n" +
                      base64_encode(std::string_view(reinterpret_cast<const char*>(root.data()), root.size())) + "\n";
    for (const auto& e : extensions)
        out += e + "\n";
    return out;
}

CheckpointBody CheckpointBody::of_tree(std::string origin, const Frontier& tree) {
    CheckpointBody b;
    b.origin = std::move(origin);
    b.size = tree.size();
    b.root = tree.root();
    return b;
}

Result<CheckpointBody> parse_checkpoint_body(std::string_view text) {
    if (text.empty() || text.back() != '\n') return integrity_error("checkpoint: the text must end with a newline");
    if (!text::valid_utf8(text)) return integrity_error("checkpoint: not UTF-8");
    std::vector<std::string_view> lines;
    for (size_t start = 0; start < text.size();) {
        const size_t nl = text.find('\n', start);
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    if (lines.size() < 3) return integrity_error("checkpoint: fewer than three lines");
    CheckpointBody cp;
    cp.origin = std::string(lines[0]);
    if (cp.origin.empty()) return integrity_error("checkpoint: empty origin");
    const std::string_view size = lines[1];
    const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), cp.size);
    // Canonical decimal only: no sign, no leading zeros (but "0"), no trailing text.
    if (ec != std::errc() || end != size.data() + size.size() || size.empty() || (size.size() > 1 && size[0] == '0'))
        return integrity_error("checkpoint: the tree size is not a decimal number");
    const auto root = base64_decode(lines[2]);
    if (!root || root->size() != cp.root.size()) return integrity_error("checkpoint: the root hash is not 32 bytes");
    std::copy(root->begin(), root->end(), cp.root.begin());
    for (size_t i = 3; i < lines.size(); ++i) {
        if (lines[i].empty()) return integrity_error("checkpoint: an empty extension line");
        cp.extensions.emplace_back(lines[i]);
    }
    return cp;
}

} // namespace qops::crypto
