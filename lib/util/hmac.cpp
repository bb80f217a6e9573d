// HMAC-SHA256 over OpenSSL's EVP interface, in its own file so that only the tools that
// use a key (the audit chain) link EVP (see crypto.cpp).
#include "util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace qops {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    // One-shot processes: OpenSSL's error-string tables and its atexit cleanup cost start-up
    // time for nothing. The configuration (e.g. FIPS providers) is still loaded.
    static const bool initialised =
        OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;
    (void)initialised;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len) == nullptr)
        throw std::runtime_error("HMAC(sha256) failed");
    return to_hex(md, len);
}

} // namespace qops
