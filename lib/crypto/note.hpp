#pragma once
// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: the verifier key
// form `<name>+<8 hex key id>+<base64(0x01 || public key)>`, signing a text, and opening
// a note against a list of trusted verifier keys, as golang.org/x/mod/sumdb/note does.

#include "base/error.hpp"
#include "crypto/ed25519.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qops::crypto {

inline constexpr size_t k_max_note_signatures = 100;

struct VerifierKey {
    std::string name;
    uint32_t id = 0; // first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || key)
    PublicKey key{};

    // `<name>+<8 hex id>+<base64(0x01 || key)>`.
    std::string text() const;
};

// A key name: non-empty UTF-8 without spaces or '+'.
bool valid_key_name(std::string_view name);

// The key id of name and key.
uint32_t key_id(std::string_view name, const PublicKey& key);

// The verifier key of key under name (name must be valid_key_name).
VerifierKey make_verifier_key(const std::string& name, const PublicKey& key);

// Parses the `<name>+<hex>+<base64>` form; the id must match name and key. Errors (usage).
Result<VerifierKey> parse_verifier_key(std::string_view text);

// Reads a verifier keys file: one key a line; blank lines and lines starting with '#'
// are skipped. Errors: unavailable (kind not_found when missing), usage (a bad line).
Result<std::vector<VerifierKey>> load_verifier_keys(const std::string& path);

// The signed note of text: text, a blank line, `— <name> <base64(id || signature)>`.
// text must be valid UTF-8 without control characters but '\n', and end with '\n'.
// Errors (usage): text or name unfit.
Result<std::string> sign_note(std::string_view text, const std::string& name, const SigningKey& key);

struct OpenedNote {
    std::string text;
    std::vector<VerifierKey> signers; // the trusted keys whose signature verified
};

// Checks note against the trusted keys: well formed; signatures by unknown keys are
// ignored; a trusted key's bad signature rejects the note; at least one trusted key must
// have signed. Errors (integrity): what is wrong.
Result<OpenedNote> open_note(std::string_view note, const std::vector<VerifierKey>& trusted);

} // namespace qops::crypto
