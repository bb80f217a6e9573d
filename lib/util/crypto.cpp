#include "util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace qops {

namespace {
// The tools are one-shot processes that only hash: OpenSSL's error-string tables and its
// atexit cleanup cost start-up time and resident memory for nothing. The configuration
// (e.g. FIPS providers) is still loaded.
void init_openssl_once() {
    static const bool done = OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;
    (void)done;
}

// Fetched once: EVP_sha256() makes every EVP_DigestInit_ex look the algorithm up in the
// providers again, which dominated verifying a ledger of 10,000 short entries.
const EVP_MD* sha256_md() {
    static EVP_MD* md = (init_openssl_once(), EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (md == nullptr) throw std::runtime_error("EVP_MD_fetch(SHA256) failed");
    return md;
}
} // namespace

struct Sha256::Ctx {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>()) {
    if (!m_ctx->md || EVP_DigestInit_ex(m_ctx->md.get(), sha256_md(), nullptr) != 1)
        throw std::runtime_error("EVP_DigestInit_ex(sha256) failed");
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
    if (EVP_DigestUpdate(m_ctx->md.get(), data.data(), data.size()) != 1)
        throw std::runtime_error("EVP_DigestUpdate failed");
}

std::string Sha256::hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(m_ctx->md.get(), md, &len) != 1) throw std::runtime_error("EVP_DigestFinal_ex failed");
    return to_hex(md, len);
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, sha256_md(), nullptr) != 1)
        throw std::runtime_error("EVP_Digest(sha256) failed");
    return to_hex(md, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    init_openssl_once();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len) == nullptr)
        throw std::runtime_error("HMAC(sha256) failed");
    return to_hex(md, len);
}

} // namespace qops
