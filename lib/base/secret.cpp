#include "base/secret.hpp"

#include "base/env.hpp"
#include "base/file.hpp"

#include <openssl/crypto.h>

#include <fmt/format.h>

namespace qops {

void wipe(std::string& s) noexcept {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

Result<std::optional<std::string>> read_secret(const char* file_env, const std::string& credential) {
    constexpr size_t k_max_secret_bytes = 8192;
    std::string origin;
    std::string path;
    if (auto file = env(file_env)) {
        origin = file_env;
        path = *file;
    } else if (auto cred = credential_path(credential)) {
        origin = "the credential " + credential;
        path = *cred;
    } else {
        return std::optional<std::string>();
    }
    auto content = read_file(path, k_max_secret_bytes);
    if (!content) return unavailable(fmt::format("cannot read {}: {}", origin, content.error().message));
    std::string s = std::move(*content);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    if (s.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(s));
}

} // namespace qops
