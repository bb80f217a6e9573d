#include "ess/latch.hpp"

#include "base/atomic_file.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/text.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>

namespace qops::ess {
namespace {

std::string one_line(const std::string& s) {
    return text::escape(s);
}

} // namespace

std::string latch_path(const std::string& flag_value) {
    if (!flag_value.empty()) return flag_value;
    return env_or("QUANTUM_ESS_LATCH", k_default_latch);
}

std::string seed_latch_path() {
    if (const char* v = std::getenv("QUANTUM_ESS_SEED_LATCH"); v != nullptr) return v;
    return k_seed_latch;
}

Result<void> write_latch(const std::string& path, const Latch& latch) {
    // /var/lib/quantum normally comes from tmpfiles.d; a trip must work even before that.
    const auto dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return unavailable(fmt::format("cannot create {}: {}", dir.string(), ec.message()), ErrorKind::io);
    return write_file_atomic(
        path,
        fmt::format("reason={}\nwho={}\nwhen={}\n", one_line(latch.reason), one_line(latch.who), one_line(latch.when)),
        0644);
}

Result<std::optional<Latch>> read_latch(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::optional<Latch>();
        return unavailable(fmt::format("cannot stat {}: {}", path, errno_text(errno)), ErrorKind::io);
    }
    auto content = read_file(path, 64 * 1024);
    if (!content) return content.error();
    Latch latch;
    std::istringstream in(*content);
    std::string line;
    bool keyed = false;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq);
        const std::string value = text::unescape(line.substr(eq + 1));
        if (key == "reason")
            latch.reason = value, keyed = true;
        else if (key == "who")
            latch.who = value, keyed = true;
        else if (key == "when")
            latch.when = value, keyed = true;
    }
    if (!keyed) {
        latch.reason = content->substr(0, 200);
        while (!latch.reason.empty() && std::isspace(static_cast<unsigned char>(latch.reason.back())) != 0)
            latch.reason.pop_back();
    }
    return std::optional<Latch>(latch);
}

Result<bool> remove_latch(const std::string& path) {
    if (::unlink(path.c_str()) == 0) {
        if (auto r = fsync_parent_dir(path); !r) return r.error();
        return true;
    }
    if (errno == ENOENT) return false;
    return unavailable(fmt::format("cannot remove {}: {}", path, errno_text(errno)), ErrorKind::io);
}

} // namespace qops::ess
