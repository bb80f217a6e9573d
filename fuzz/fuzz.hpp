#pragma once
// Shared by the fuzz targets: the libFuzzer entry point, and a check that stops the run
// (a crash libFuzzer reports, with the input saved) when an invariant does not hold.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace qops::fuzz {

inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
        std::abort();
    }
}

inline std::string text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input as a file, for parsers that read files (removed when it goes out of scope).
class TempFile {
public:
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/qops-fuzz.XXXXXX";
        const int fd = ::mkstemp(name);
        require(fd >= 0, "mkstemp");
        for (size_t done = 0; done < content.size();) {
            const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
            require(n > 0, "write");
            done += static_cast<size_t>(n);
        }
        ::close(fd);
        m_path = name;
    }
    ~TempFile() { ::unlink(m_path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace qops::fuzz
