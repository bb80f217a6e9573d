#include "watch/checkpoint.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace qops::watch {
namespace {

// A checkpoint is a few hundred bytes; anything much larger is not ours.
constexpr size_t k_max_checkpoint_bytes = 64 * 1024;
constexpr int k_format_version = 1;

Error corrupt(const std::string& path, const std::string& why) {
    return integrity_error(fmt::format("checkpoint {} is unusable: {}", path, why));
}

} // namespace

std::string checkpoint_path(const std::string& state_dir, const std::string& unit) {
    return fmt::format("{}/exit-owner-watch.{}.json", state_dir, unit);
}

Result<std::optional<Checkpoint>> load_checkpoint(const std::string& path, const std::string& unit) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT) return std::optional<Checkpoint>{};
        return unavailable(fmt::format("cannot read checkpoint {}: {}", path, errno_text(err)), ErrorKind::io);
    }
    if (static_cast<size_t>(st.st_size) > k_max_checkpoint_bytes)
        return corrupt(path, fmt::format("{} bytes, more than {}", st.st_size, k_max_checkpoint_bytes));
    auto text = read_file(path, k_max_checkpoint_bytes);
    if (!text) return text.error();

    const auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) return corrupt(path, "not a JSON object");
    auto version = doc.find("version");
    auto cursor = doc.find("cursor");
    auto realtime = doc.find("realtime_usec");
    auto file_unit = doc.find("unit");
    if (version == doc.end() || !version->is_number_integer() || version->get<int>() != k_format_version)
        return corrupt(path, "missing or unknown version");
    if (cursor == doc.end() || !cursor->is_string()) return corrupt(path, "missing cursor");
    if (realtime == doc.end() || !realtime->is_number_integer() || realtime->get<int64_t>() < 0)
        return corrupt(path, "missing realtime_usec");
    if (file_unit == doc.end() || !file_unit->is_string()) return corrupt(path, "missing unit");
    if (file_unit->get<std::string>() != unit)
        return corrupt(path, fmt::format("it belongs to unit {}", file_unit->get<std::string>()));

    Checkpoint cp;
    cp.cursor = cursor->get<std::string>();
    cp.realtime_usec = realtime->get<int64_t>();
    cp.unit = unit;
    if (auto scanned = doc.find("scanned_usec"); scanned != doc.end() && scanned->is_number_integer())
        cp.scanned_usec = scanned->get<int64_t>();
    if (cp.cursor.empty() && cp.realtime_usec == 0) return corrupt(path, "neither cursor nor realtime");
    return std::optional<Checkpoint>(std::move(cp));
}

Result<void> save_checkpoint(const std::string& path, const Checkpoint& cp) {
    const nlohmann::json doc{{"version", k_format_version},
                             {"cursor", cp.cursor},
                             {"realtime_usec", cp.realtime_usec},
                             {"unit", cp.unit},
                             {"scanned_usec", cp.scanned_usec}};
    auto r = write_file_atomic(path, doc.dump() + "\n", 0640);
    return with_context(std::move(r), fmt::format("cannot write checkpoint {}", path));
}

Result<std::optional<FileLock>> try_lock_checkpoint(const std::string& path) {
    return FileLock::try_acquire(path + ".lock");
}

} // namespace qops::watch
