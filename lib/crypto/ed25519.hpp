#pragma once
// Ed25519 signing keys and signature checks through OpenSSL's EVP interface
// (CONTRACT.md, "Signing keys and signed notes"). Private keys are PKCS#8 PEM, as
// `openssl genpkey -algorithm ed25519` writes them; they are never printed.

#include "base/error.hpp"

#include <array>
#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY; // NOLINT(modernize-use-using): OpenSSL's own spelling

namespace qops::crypto {

using PublicKey = std::array<unsigned char, 32>;
using Signature = std::array<unsigned char, 64>;

// A private Ed25519 key. While any is held the process is not dumpable
// (prctl(PR_SET_DUMPABLE, 0)): no core file or ptrace by the same user reads it.
class SigningKey {
public:
    // Reads a PKCS#8 PEM file. Errors (usage, naming the file): missing, unreadable,
    // readable or writable by group or others, not an Ed25519 private key.
    static Result<SigningKey> load_pem_file(const std::string& path);
    // The key from $<env_var> (a file) or else the systemd credential <credential>.
    // Errors (usage): neither is set (naming both), or load_pem_file's.
    static Result<SigningKey> load_from_env_or_credential(const char* env_var, const std::string& credential);
    // A fresh random key (tests, demos).
    static SigningKey generate();

    SigningKey(SigningKey&&) noexcept;
    SigningKey& operator=(SigningKey&&) noexcept;
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;
    ~SigningKey();

    // Writes the key as PKCS#8 PEM to a new file of mode 0600. Errors: unavailable.
    Result<void> write_pem_file(const std::string& path) const;
    // The Ed25519 signature of message.
    Signature sign(std::string_view message) const;
    const PublicKey& public_key() const noexcept { return m_public; }

private:
    struct Free {
        void operator()(EVP_PKEY* key) const noexcept;
    };
    explicit SigningKey(std::unique_ptr<EVP_PKEY, Free> key);
    std::unique_ptr<EVP_PKEY, Free> m_key;
    PublicKey m_public{};
};

// True when signature is public_key's Ed25519 signature of message.
bool verify(const PublicKey& public_key, std::string_view message, const Signature& signature);

} // namespace qops::crypto
