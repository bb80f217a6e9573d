#pragma once
// HMAC-SHA256 through OpenSSL's EVP MAC interface.

#include <string>
#include <string_view>

namespace qops::crypto {

// Lowercase hex HMAC-SHA256 of data under key.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

} // namespace qops::crypto
