#pragma once
// Reading files: whole small files, positioned reads, and line-by-line scans of large
// ones in fixed-size blocks.

#include "base/error.hpp"
#include "base/fd.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qops {

// Reads a whole file, at most max_bytes. Errors: unavailable (kind not_found for ENOENT),
// usage (larger than max_bytes).
Result<std::string> read_file(const std::string& path, size_t max_bytes = 16u << 20);

// Opens path read-only. Errors: unavailable (kind not_found for ENOENT).
Result<UniqueFd> open_read(const std::string& path);

// pread loop; returns the bytes read (short only at end of file). Errors: unavailable.
Result<size_t> pread_all(int fd, char* buf, size_t n, uint64_t offset);

// The size fstat reports (0 when it fails).
uint64_t file_size(int fd);

inline constexpr size_t k_scan_block_bytes = 1u << 20;

// Calls on_line for every complete line of [begin, end) of fd, read in blocks, and returns
// the unterminated rest at the end (empty when the range ends with a newline).
template <typename OnLine> Result<std::string> for_each_line(int fd, uint64_t begin, uint64_t end, OnLine&& on_line) {
    std::vector<char> buf(static_cast<size_t>(std::clamp<uint64_t>(end - begin, 1, k_scan_block_bytes)));
    std::string carry;
    for (uint64_t off = begin; off < end;) {
        const auto want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - off));
        auto n = pread_all(fd, buf.data(), want, off);
        if (!n) return n.error();
        if (*n == 0) break;
        off += *n;
        const std::string_view chunk(buf.data(), *n);
        size_t start = 0;
        for (size_t nl; (nl = chunk.find('\n', start)) != std::string_view::npos; start = nl + 1) {
            if (carry.empty()) {
                on_line(chunk.substr(start, nl - start));
            } else {
                carry.append(chunk.substr(start, nl - start));
                on_line(std::string_view(carry));
                carry.clear();
            }
        }
        carry.append(chunk.substr(start));
    }
    return carry;
}

} // namespace qops
