#pragma once
// Standard base64 (RFC 4648, with padding) through OpenSSL's EVP encoder.

#include <optional>
#include <string>
#include <string_view>

namespace qops::crypto {

std::string base64_encode(std::string_view bytes);

// nullopt when text is not canonical padded base64 (no whitespace, no line breaks).
std::optional<std::string> base64_decode(std::string_view text);

} // namespace qops::crypto
