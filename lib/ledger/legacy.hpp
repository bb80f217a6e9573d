#pragma once
// The hand-kept ledger entries written before ops-ledger-append: not always YAML (a plain
// value holding ": ", say), so they are read the way a person reads them. Used only for
// unchained blocks that yaml-cpp refuses; nothing this tool writes goes through it.

#include <yaml-cpp/yaml.h>

#include <string>

namespace qops::ledger {

// The block body as a map: "key: rest of the line", "key: |" blocks, "  - item" lists and
// "  key: value" maps under a bare "key:", "  # comment" after list items dropped.
// Never fails on text; throws YAML::Exception only from yaml-cpp itself.
YAML::Node read_legacy_block(const std::string& body);

} // namespace qops::ledger
