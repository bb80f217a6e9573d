#pragma once
// Lowercase hex of raw bytes.

#include <cstddef>
#include <string>

namespace qops::crypto {

inline std::string to_hex(const unsigned char* data, size_t size) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out(size * 2, '0');
    for (size_t i = 0; i < size; ++i) {
        out[2 * i] = k_digits[data[i] >> 4];
        out[2 * i + 1] = k_digits[data[i] & 0x0f];
    }
    return out;
}

} // namespace qops::crypto
