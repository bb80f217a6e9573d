#include "net/outbox.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "crypto/sha256.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <thread>

namespace qops::net {
namespace {

namespace fs = std::filesystem;

constexpr size_t k_max_entry_bytes = 1u << 20;
constexpr std::chrono::milliseconds k_lock_poll{20};

// A file name for a key of any bytes.
std::string file_id(const std::string& key) {
    return crypto::sha256_hex(key).substr(0, 32);
}

Result<void> make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return unavailable(fmt::format("cannot create {}: {}", path, errno_text(errno)));
    return {};
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

Result<OutboxEntry> parse_entry(const std::string& content) {
    const auto j = nlohmann::json::parse(content, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("key") || !j["key"].is_string())
        return integrity_error("not an outbox entry");
    OutboxEntry e;
    e.key = j.value("key", "");
    e.subject = j.value("subject", "");
    e.text = j.value("text", "");
    e.queued_epoch = j.value("queued_epoch", int64_t{0});
    e.attempts = j.value("attempts", 0);
    e.done = j.value("done", std::vector<std::string>{});
    return e;
}

std::string render_entry(const OutboxEntry& e) {
    return nlohmann::json{{"key", e.key},           {"subject", e.subject},
                          {"text", e.text},         {"queued_epoch", e.queued_epoch},
                          {"attempts", e.attempts}, {"done", e.done}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
}

} // namespace

Result<Outbox> Outbox::open(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (const auto& d : {dir, dir + "/pending", dir + "/sent"})
        if (auto r = make_dir(d); !r) return r.error();
    return Outbox(dir);
}

std::string Outbox::pending_path(const std::string& key) const {
    return m_dir + "/pending/" + file_id(key) + ".json";
}

std::string Outbox::sent_path(const std::string& key) const {
    return m_dir + "/sent/" + file_id(key);
}

Result<bool> Outbox::add(const OutboxEntry& entry) const {
    // pending before sent: acknowledge() creates the tombstone before it removes the
    // entry, so a key that is in neither place was never queued.
    if (exists(pending_path(entry.key)) || exists(sent_path(entry.key))) return false;
    if (auto r = write_file_atomic(pending_path(entry.key), render_entry(entry), 0600); !r) return r.error();
    return true;
}

Result<std::vector<OutboxEntry>> Outbox::pending(size_t* skipped) const {
    std::vector<OutboxEntry> out;
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(m_dir + "/pending", ec)) {
        if (f.path().extension() != ".json") continue; // temp files of a write in progress
        auto content = read_file(f.path().string(), k_max_entry_bytes);
        auto e = content ? parse_entry(*content) : Result<OutboxEntry>(content.error());
        if (!e) {
            if (skipped != nullptr) ++*skipped;
            continue;
        }
        out.push_back(std::move(*e));
    }
    if (ec) return unavailable(fmt::format("cannot list {}/pending: {}", m_dir, ec.message()));
    std::stable_sort(out.begin(), out.end(),
                     [](const OutboxEntry& a, const OutboxEntry& b) { return a.queued_epoch < b.queued_epoch; });
    return out;
}

Result<void> Outbox::save(const OutboxEntry& entry) const {
    return write_file_atomic(pending_path(entry.key), render_entry(entry), 0600);
}

Result<void> Outbox::acknowledge(const OutboxEntry& entry) const {
    if (auto r = write_file_atomic(sent_path(entry.key), entry.key + "\n", 0600); !r) return r;
    return drop(entry);
}

Result<void> Outbox::drop(const OutboxEntry& entry) const {
    const std::string path = pending_path(entry.key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return unavailable(fmt::format("cannot remove {}: {}", path, errno_text(errno)));
    return fsync_parent_dir(path);
}

void Outbox::prune_sent(int64_t now_epoch, std::chrono::seconds max_age) const {
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(m_dir + "/sent", ec)) {
        struct stat st {};
        if (::stat(f.path().c_str(), &st) == 0 && now_epoch - st.st_mtim.tv_sec > max_age.count())
            ::unlink(f.path().c_str());
    }
}

Result<std::optional<FileLock>> Outbox::lock(std::chrono::milliseconds wait) const {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
        auto l = FileLock::try_acquire(m_dir + "/lock", 0600);
        if (!l || *l || std::chrono::steady_clock::now() >= deadline) return l;
        std::this_thread::sleep_for(k_lock_poll);
    }
}

} // namespace qops::net
