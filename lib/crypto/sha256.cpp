#include "crypto/sha256.hpp"

#include "crypto/hex.hpp"

#include <openssl/evp.h>

#include "base/error.hpp"

#include <memory>
#include <new>

namespace qops::crypto {
namespace {

// A digest call fails only when OpenSSL cannot allocate or its provider is broken
// (a FIPS configuration refusing SHA-256, say): exceptional, so thrown.
void check(int rc, const char* what) {
    if (rc != 1) throw Failure(ExitCode::unavailable, std::string("OpenSSL ") + what + " failed");
}

// SHA-256 fetched from the default provider once. EVP_sha256() makes every
// EVP_DigestInit_ex look the algorithm up again (a lock and a hash-table search), which
// cost more than hashing a log line or a ledger entry (bench/RESULTS.md, "audit-log verify"
// and "ops-ledger-append"). Never freed: it lives as long as the process.
const EVP_MD* sha256_md() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    if (md == nullptr) throw Failure(ExitCode::unavailable, "OpenSSL EVP_MD_fetch(SHA2-256) failed");
    return md;
}

} // namespace

void Sha256::Free::operator()(EVP_MD_CTX* ctx) const noexcept {
    EVP_MD_CTX_free(ctx);
}

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
    if (!m_ctx) throw std::bad_alloc();
    check(EVP_DigestInit_ex(m_ctx.get(), sha256_md(), nullptr), "EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(const unsigned char* data, size_t size) {
    check(EVP_DigestUpdate(m_ctx.get(), data, size), "EVP_DigestUpdate");
    return *this;
}

Sha256& Sha256::update(std::string_view data) {
    return update(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

Digest Sha256::digest() {
    Digest out{};
    unsigned int len = 0;
    check(EVP_DigestFinal_ex(m_ctx.get(), out.data(), &len), "EVP_DigestFinal_ex");
    check(EVP_DigestInit_ex(m_ctx.get(), sha256_md(), nullptr), "EVP_DigestInit_ex");
    return out;
}

std::string Sha256::hex_digest() {
    const Digest d = digest();
    return to_hex(d.data(), d.size());
}

Digest sha256(std::string_view data) {
    Digest out{};
    unsigned int len = 0;
    check(EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr), "EVP_Digest");
    return out;
}

std::string sha256_hex(std::string_view data) {
    const Digest d = sha256(data);
    return to_hex(d.data(), d.size());
}

} // namespace qops::crypto
