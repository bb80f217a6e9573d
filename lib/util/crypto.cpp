#include "util/crypto.hpp"

// SHA256_Init and friends are the digest itself, with no provider lookup behind them:
// the one-shot tools hash a few entries per run, and OpenSSL's EVP layer (providers,
// configuration, method store) is most of libcrypto's start-up cost and of its size when
// linked statically. Declared deprecated from 3.0 on; this file asks for the 1.1.1 API.
// (The one-shot SHA256() is not used: in OpenSSL 3 it goes through EVP.)
#define OPENSSL_API_COMPAT 10101
#include <openssl/sha.h>

namespace qops {

struct Sha256::Ctx {
    SHA256_CTX sha{};
};

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>()) { SHA256_Init(&m_ctx->sha); }

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) { SHA256_Update(&m_ctx->sha, data.data(), data.size()); }

std::string Sha256::hex_digest() {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, &m_ctx->sha);
    return to_hex(md, sizeof md);
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.hex_digest();
}

} // namespace qops
