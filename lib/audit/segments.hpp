#pragma once
// The audit log's rotated files (log.hpp, "Rotation"): what append, rotate and verify
// share. Internal to lib/audit.

#include "audit/log.hpp"

#include <optional>
#include <string>
#include <vector>

namespace qops::audit {

// The same tree: size, root, bytes and chain value.
bool same_tree(const TreeState& a, const TreeState& b);

// Replaces <log>.segments atomically. Errors: unavailable.
Result<void> write_segments(const std::string& log, const std::vector<Segment>& segments);

// The file the log was renamed to while state described it: in the log's directory, named
// <log name>-* or <log name>.*, not recorded yet, state.bytes long and ending with a line
// of chain value state.chain. nullopt: none. Errors: integrity (several match),
// unavailable.
Result<std::optional<std::string>> find_renamed(const std::string& log, const TreeState& state,
                                                const std::vector<Segment>& recorded);

// Run as root (the emergency stop, an operator, logrotate), gives file the owner and group
// of `like` (the log), so that the quantum services can still read and replace it.
void match_owner(const std::string& file, const std::string& like);

// <log>-YYYYMMDD-<epoch> for the rotation at epoch (UTC), logrotate's dateext form.
std::string rotated_name(const std::string& log, int64_t epoch);

} // namespace qops::audit
