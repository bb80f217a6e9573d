#include "support/policy_keys.hpp"

#include "policy/document.hpp"

#include <filesystem>
#include <stdexcept>

namespace qops::test {

PolicyKeys::PolicyKeys()
    : m_key(crypto::SigningKey::generate()), m_verifier_key(policy::policy_verifier_key(m_key)),
      m_key_file(m_dir.file("policy-signing-key")), m_verifier_keys_file(m_dir.file("policy-verifier-keys")),
      m_state_dir(m_dir.file("state")) {
    if (!m_key.write_pem_file(m_key_file)) throw std::runtime_error("cannot write the test signing key");
    m_dir.write("policy-verifier-keys", m_verifier_key.text() + "\n");
    std::filesystem::create_directories(m_state_dir);
}

RunOptions& PolicyKeys::add_to(RunOptions& o) const {
    o.env["QUANTUM_POLICY_SIGNING_KEY_FILE"] = m_key_file;
    o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = m_verifier_keys_file;
    o.env["QUANTUM_POLICY_STATE_DIR"] = m_state_dir;
    return o;
}

RunOptions PolicyKeys::env() const {
    RunOptions o;
    return add_to(o);
}

} // namespace qops::test
