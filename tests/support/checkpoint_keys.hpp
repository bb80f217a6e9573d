#pragma once
// A throwaway checkpoint signing key for one test (the audit log's and the ledger's):
// the private key file (mode 0600), a verifier keys file trusting it under both default
// origins, and a verifier state directory, handed to the tools through their environment.

#include "crypto/ed25519.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <string>

namespace qops::test {

class CheckpointKeys {
public:
    CheckpointKeys();

    const std::string& key_file() const noexcept { return m_key_file; }
    const std::string& verifier_keys_file() const noexcept { return m_verifier_keys_file; }
    const std::string& state_dir() const noexcept { return m_state_dir; }
    const crypto::SigningKey& key() const noexcept { return m_key; }
    // The verifier key line of origin.
    std::string verifier_key(const std::string& origin) const;

    // Sets QUANTUM_AUDIT_SIGNING_KEY_FILE, QUANTUM_LEDGER_SIGNING_KEY_FILE,
    // QUANTUM_VERIFIER_KEYS and QUANTUM_VERIFIER_STATE_DIR in o and returns it.
    RunOptions& add_to(RunOptions& o) const;
    RunOptions env() const;

private:
    TempDir m_dir;
    crypto::SigningKey m_key;
    std::string m_key_file;
    std::string m_verifier_keys_file;
    std::string m_state_dir;
};

// <hostname>/quantum-ops/audit and <hostname>/quantum-ops/ledger.
std::string default_audit_origin();
std::string default_ledger_origin();

} // namespace qops::test
