#pragma once
// A throwaway policy signing key for one test: the private key file (mode 0600), a
// verifier keys file trusting it, and a reader state directory, handed to the tools
// through their environment variables.

#include "crypto/ed25519.hpp"
#include "crypto/note.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <string>

namespace qops::test {

class PolicyKeys {
public:
    PolicyKeys();

    const std::string& key_file() const noexcept { return m_key_file; }
    const std::string& verifier_keys_file() const noexcept { return m_verifier_keys_file; }
    const std::string& state_dir() const noexcept { return m_state_dir; }
    const crypto::SigningKey& key() const noexcept { return m_key; }
    const crypto::VerifierKey& verifier_key() const noexcept { return m_verifier_key; }

    // Sets QUANTUM_POLICY_SIGNING_KEY_FILE, QUANTUM_POLICY_VERIFIER_KEYS and
    // QUANTUM_POLICY_STATE_DIR in o and returns it.
    RunOptions& add_to(RunOptions& o) const;
    RunOptions env() const;

private:
    TempDir m_dir;
    crypto::SigningKey m_key;
    crypto::VerifierKey m_verifier_key;
    std::string m_key_file;
    std::string m_verifier_keys_file;
    std::string m_state_dir;
};

} // namespace qops::test
