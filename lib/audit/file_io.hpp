#pragma once
// Block reads of the audit log, shared by the reader (audit/log.cpp) and the chain writer
// and verifier (audit/chain.cpp). Internal to lib/audit.

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/page_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qops::audit::detail {

inline constexpr size_t k_block_bytes = 1u << 20; // reads of whole-file scans

// pread loop; returns bytes read (short only at end of file). Errors: unavailable.
Result<size_t> pread_all(int fd, char* buf, size_t n, uint64_t off);

// Opens path read-only. Errors: unavailable.
Result<UniqueFd> open_read(const std::string& path);

uint64_t file_size(int fd);

// Calls on_line for every complete line of [begin, end), read in blocks, and returns the
// unterminated rest at the end (empty when the range ends with a newline).
template <typename OnLine>
Result<std::string> for_each_line(int fd, uint64_t begin, uint64_t end, OnLine&& on_line) {
    PageBuffer buf(static_cast<size_t>(std::min<uint64_t>(k_block_bytes, std::max<uint64_t>(end - begin, 1))));
    std::string carry;
    for (uint64_t off = begin; off < end;) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - off));
        auto n = pread_all(fd, buf.data(), want, off);
        if (!n) return n.error();
        if (*n == 0) break;
        off += *n;
        std::string_view chunk(buf.data(), *n);
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

} // namespace qops::audit::detail
