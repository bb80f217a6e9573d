#pragma once
// The body of a C2SP tlog-checkpoint: the text a transparency log's signed note carries.
//   <origin>\n<tree size, decimal>\n<base64 tree hash>\n[extension lines\n...]

#include "base/error.hpp"
#include "crypto/merkle.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qops::crypto {

struct CheckpointBody {
    std::string origin; // the log's name; also the name of the key that signs it
    uint64_t size = 0;
    Hash root{};
    std::vector<std::string> extensions; // optional lines after the hash

    // The text, each line ending in a newline.
    std::string text() const;
    // The body naming tree: its size and root.
    static CheckpointBody of_tree(std::string origin, const Frontier& tree);
};

// Parses a checkpoint body. Errors: integrity (not a checkpoint: missing lines, a size
// that is not a canonical decimal, a hash that is not 32 bytes of base64).
Result<CheckpointBody> parse_checkpoint_body(std::string_view text);

} // namespace qops::crypto
