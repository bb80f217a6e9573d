#include "watch/checkpoint.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace qops::watch {
namespace {

// About 300 bytes per source: room for a fleet of a few thousand hosts, and anything
// larger is not ours.
constexpr size_t k_max_checkpoint_bytes = 1024 * 1024;
constexpr int k_legacy_format_version = 1;
constexpr int k_format_version = 2;

Error corrupt(const std::string& path, const std::string& why) {
    return integrity_error(fmt::format("checkpoint {} is unusable: {}", path, why));
}

bool is_string(const nlohmann::json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string();
}

bool is_stamp(const nlohmann::json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_number_integer() && it->get<int64_t>() >= 0;
}

int64_t optional_stamp(const nlohmann::json& doc, const char* key) {
    return is_stamp(doc, key) ? doc.at(key).get<int64_t>() : 0;
}

Result<Checkpoint> parse_legacy(const std::string& path, const nlohmann::json& doc) {
    if (!is_string(doc, "cursor")) return corrupt(path, "missing cursor");
    if (!is_stamp(doc, "realtime_usec")) return corrupt(path, "missing realtime_usec");
    Checkpoint cp;
    cp.legacy_cursor = doc.at("cursor").get<std::string>();
    cp.legacy_realtime_usec = doc.at("realtime_usec").get<int64_t>();
    cp.scanned_usec = optional_stamp(doc, "scanned_usec");
    if (cp.legacy_cursor.empty() && cp.legacy_realtime_usec == 0) return corrupt(path, "neither cursor nor realtime");
    return cp;
}

Result<Checkpoint> parse_sources(const std::string& path, const nlohmann::json& doc) {
    auto sources = doc.find("sources");
    if (sources == doc.end() || !sources->is_array()) return corrupt(path, "missing sources");
    Checkpoint cp;
    cp.scanned_usec = optional_stamp(doc, "scanned_usec");
    if (is_string(doc, "legacy_cursor") && is_stamp(doc, "legacy_realtime_usec")) {
        cp.legacy_cursor = doc.at("legacy_cursor").get<std::string>();
        cp.legacy_realtime_usec = doc.at("legacy_realtime_usec").get<int64_t>();
    }
    for (const auto& s : *sources) {
        if (!s.is_object() || !is_string(s, "machine_id") || !is_string(s, "cursor") || !is_stamp(s, "realtime_usec"))
            return corrupt(path, "a source without machine_id, cursor or realtime_usec");
        SourcePosition p;
        p.machine_id = s.at("machine_id").get<std::string>();
        p.cursor = s.at("cursor").get<std::string>();
        p.realtime_usec = s.at("realtime_usec").get<int64_t>();
        p.seen_usec = optional_stamp(s, "seen_usec");
        if (is_string(s, "host")) p.host = s.at("host").get<std::string>();
        for (const auto& other : cp.sources)
            if (other.machine_id == p.machine_id) return corrupt(path, "machine " + p.machine_id + " listed twice");
        cp.sources.push_back(std::move(p));
    }
    return cp;
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
    if (version == doc.end() || !version->is_number_integer()) return corrupt(path, "missing version");
    if (!is_string(doc, "unit")) return corrupt(path, "missing unit");
    if (doc.at("unit").get<std::string>() != unit)
        return corrupt(path, fmt::format("it belongs to unit {}", doc.at("unit").get<std::string>()));

    Result<Checkpoint> cp = corrupt(path, "unknown version");
    if (version->get<int64_t>() == k_legacy_format_version) cp = parse_legacy(path, doc);
    if (version->get<int64_t>() == k_format_version) cp = parse_sources(path, doc);
    if (!cp) return cp.error();
    cp->unit = unit;
    return std::optional<Checkpoint>(std::move(*cp));
}

Result<void> save_checkpoint(const std::string& path, const Checkpoint& cp) {
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : cp.sources)
        sources.push_back({{"machine_id", s.machine_id},
                           {"host", s.host},
                           {"cursor", s.cursor},
                           {"realtime_usec", s.realtime_usec},
                           {"seen_usec", s.seen_usec}});
    nlohmann::json doc{{"version", k_format_version},
                       {"unit", cp.unit},
                       {"scanned_usec", cp.scanned_usec},
                       {"sources", std::move(sources)}};
    if (!cp.legacy_cursor.empty() || cp.legacy_realtime_usec != 0) {
        doc["legacy_cursor"] = cp.legacy_cursor;
        doc["legacy_realtime_usec"] = cp.legacy_realtime_usec;
    }
    auto r = write_file_atomic(path, doc.dump() + "\n", 0640);
    return with_context(std::move(r), fmt::format("cannot write checkpoint {}", path));
}

Result<std::optional<FileLock>> try_lock_checkpoint(const std::string& path) {
    return FileLock::try_acquire(path + ".lock");
}

} // namespace qops::watch
