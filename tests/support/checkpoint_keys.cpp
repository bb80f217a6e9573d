#include "support/checkpoint_keys.hpp"

#include "base/host.hpp"
#include "crypto/note.hpp"

#include <filesystem>
#include <stdexcept>

namespace qops::test {

std::string default_audit_origin() {
    return hostname() + "/quantum-ops/audit";
}

std::string default_ledger_origin() {
    return hostname() + "/quantum-ops/ledger";
}

CheckpointKeys::CheckpointKeys()
    : m_key(crypto::SigningKey::generate()), m_key_file(m_dir.file("signing-key")),
      m_verifier_keys_file(m_dir.file("verifier-keys")), m_state_dir(m_dir.file("state")) {
    if (!m_key.write_pem_file(m_key_file)) throw std::runtime_error("cannot write the test signing key");
    m_dir.write("verifier-keys",
                verifier_key(default_audit_origin()) + "\n" + verifier_key(default_ledger_origin()) + "\n");
    std::filesystem::create_directories(m_state_dir);
}

std::string CheckpointKeys::verifier_key(const std::string& origin) const {
    return crypto::make_verifier_key(origin, m_key.public_key()).text();
}

RunOptions& CheckpointKeys::add_to(RunOptions& o) const {
    o.env["QUANTUM_AUDIT_SIGNING_KEY_FILE"] = m_key_file;
    o.env["QUANTUM_LEDGER_SIGNING_KEY_FILE"] = m_key_file;
    o.env["QUANTUM_VERIFIER_KEYS"] = m_verifier_keys_file;
    o.env["QUANTUM_VERIFIER_STATE_DIR"] = m_state_dir;
    return o;
}

RunOptions CheckpointKeys::env() const {
    RunOptions o;
    return add_to(o);
}

} // namespace qops::test
