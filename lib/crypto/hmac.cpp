#include "crypto/hmac.hpp"

#include "crypto/hex.hpp"

#include <openssl/evp.h>

#include "base/error.hpp"

namespace qops::crypto {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, sizeof md, &len) == nullptr)
        throw Failure(ExitCode::unavailable, "OpenSSL EVP_Q_mac(HMAC-SHA256) failed");
    return to_hex(md, len);
}

} // namespace qops::crypto
