#pragma once
// SHA-256 and HMAC-SHA256 from OpenSSL, as lowercase hex (crypto.cpp, hmac.cpp).

#include "util/hex.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace qops {

// Lowercase hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

// Lowercase hex HMAC-SHA256 of data under key.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Incremental SHA-256 (for files and streams).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view data);
    // Lowercase hex digest; the object may not be updated afterwards.
    std::string hex_digest();

private:
    struct Ctx;
    std::unique_ptr<Ctx> m_ctx;
};


} // namespace qops
