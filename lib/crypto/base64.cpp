#include "crypto/base64.hpp"

#include <openssl/evp.h>

namespace qops::crypto {

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    if (text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
        std::string_view::npos)
        return std::nullopt;
    const size_t pad = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    if (text.substr(0, text.size() - pad).find('=') != std::string_view::npos) return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    // EVP_DecodeBlock counts the padding as zero bytes: drop them.
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0 || static_cast<size_t>(n) < pad) return std::nullopt;
    out.resize(static_cast<size_t>(n) - pad);
    // Canonical form only: the bits the padding leaves unused must be zero.
    if (base64_encode(out) != text) return std::nullopt;
    return out;
}

} // namespace qops::crypto
