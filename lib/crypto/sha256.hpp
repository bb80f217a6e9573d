#pragma once
// SHA-256 through OpenSSL's EVP digest interface.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX; // NOLINT(modernize-use-using): OpenSSL's own spelling

namespace qops::crypto {

using Digest = std::array<unsigned char, 32>;

// SHA-256 of data.
Digest sha256(std::string_view data);

// Lowercase hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

// Incremental SHA-256 (files, streams, and the Merkle tree's prefixed hashes).
class Sha256 {
public:
    Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&&) noexcept = default;
    Sha256& operator=(Sha256&&) noexcept = default;
    ~Sha256();

    Sha256& update(std::string_view data);
    Sha256& update(const unsigned char* data, size_t size);
    // The digest; the object starts over afterwards.
    Digest digest();
    std::string hex_digest();

private:
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const noexcept;
    };
    std::unique_ptr<EVP_MD_CTX, Free> m_ctx;
};

} // namespace qops::crypto
