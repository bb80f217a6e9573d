#pragma once
// What a fail-closed reader accepted before: the highest policy_seq and its hash, kept
// in its state directory so that neither a replay of an older signed policy (rollback)
// nor a second document under the same seq (equivocation) is accepted after a restart.

#include "base/error.hpp"

#include <cstdint>
#include <string>

namespace qops::policy {

inline constexpr const char* k_accepted_file = "policy-accepted";

struct Accepted {
    int64_t seq = 0; // 0: nothing accepted yet
    std::string hash;
};

// Reads <state_dir>/policy-accepted. Errors: unavailable (unreadable), integrity (garbled).
Result<Accepted> read_accepted(const std::string& state_dir);

// Accepts (seq, hash) unless it is older than, or conflicts with, what was accepted
// before; a higher seq is recorded atomically under a lock (several readers on a host).
// Errors: integrity (rollback, equivocation), unavailable (the state cannot be kept).
Result<void> check_and_record(const std::string& state_dir, int64_t seq, const std::string& hash);

} // namespace qops::policy
