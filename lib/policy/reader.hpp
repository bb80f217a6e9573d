#pragma once
// quantum-ops policy reader for C++ services: the same fail-closed checks as
// `policy-show` (CONTRACT.md, "Policy, second edition"), behind a stable interface.
// This header includes nothing of quantum-ops' internals and is installed as
// /usr/include/quantum-ops/policy_reader.hpp; a service's use is three lines:
//
//     quantum_ops::PolicyReader reader;                 // options from the environment
//     quantum_ops::Policy policy = reader.load();       // throws quantum_ops::PolicyUnavailable
//     if (lev > policy.leverage_max) reject(order);     // and so on
//
// load() accepts a policy only when it is complete, its hash matches, it is signed by a
// key of the verifier keys file, created at most 60 s in the future, valid for at most
// 31 days and not expired, and its policy_seq is not lower than (nor, when equal, a
// different document from) the highest this host's readers accepted before. Anything
// else throws: there is no fallback policy.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace quantum_ops {

struct PolicyOptions {
    std::string redis_url;     // empty: $QUANTUM_REDIS_URL, else redis://127.0.0.1:6379/0
    std::string verifier_keys; // empty: $QUANTUM_POLICY_VERIFIER_KEYS, else /etc/quantum/policy-verifier-keys
    std::string state_dir;     // empty: $QUANTUM_POLICY_STATE_DIR, else $STATE_DIRECTORY, else /var/lib/quantum
};

// The accepted policy document and its stamps.
struct Policy {
    std::string policy_version;
    std::vector<std::string> universe;
    double leverage_min = 0;
    double leverage_max = 0;
    std::string exit_owner; // the only service allowed to place reduceOnly orders
    std::string generator;
    int64_t valid_for_seconds = 0;
    int64_t created_at_epoch = 0;
    int64_t valid_until_epoch = 0;
    int64_t policy_seq = 0;
    std::string policy_hash; // SHA-256 of policy_json
    std::string policy_json; // the canonical document as stored and signed
};

// No policy can be accepted. exit_code() is policy-show's exit status for the same case:
// 3 Redis (or the reader's state directory) unavailable, 4 integrity (missing, tampered,
// unsigned, expired, rolled back, no verifier keys), 2 invalid options (a bad URL).
class PolicyUnavailable : public std::runtime_error {
public:
    PolicyUnavailable(int exit_code, const std::string& reason) : std::runtime_error(reason), m_exit_code(exit_code) {}
    int exit_code() const noexcept { return m_exit_code; }
    std::string reason() const { return what(); }

private:
    int m_exit_code;
};

// A reader that keeps its Redis connection between loads (reconnecting when it fails).
// Not thread-safe: one per thread, or a lock around load().
class PolicyReader {
public:
    explicit PolicyReader(PolicyOptions options = {});
    PolicyReader(PolicyReader&&) noexcept;
    PolicyReader& operator=(PolicyReader&&) noexcept;
    ~PolicyReader();

    // Reads and checks the current policy. Throws PolicyUnavailable.
    Policy load();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// One load with a fresh connection. Throws PolicyUnavailable.
Policy load_policy(const PolicyOptions& options = {});

} // namespace quantum_ops
