#pragma once
// The notifications a tool still owes a person, kept in its state directory so that a
// delivery that failed is retried by the next run and one that was acknowledged is never
// sent again. Keyed by the alert's own key (dedup_key, the trip's id):
//   DIR/pending/<id>.json   queued, or acknowledged by some channels ("done")
//   DIR/sent/<id>           acknowledged by every channel: the key is not queued again
//   DIR/lock                held by the one run that delivers
// Each file is replaced atomically; a crash leaves either the old or the new state.

#include "base/error.hpp"
#include "base/file_lock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qops::net {

struct OutboxEntry {
    std::string key; // what the person sees once: dedup_key, trip id
    std::string subject;
    std::string text;
    int64_t queued_epoch = 0;
    int attempts = 0;
    std::vector<std::string> done; // channels that acknowledged ("webhook", "mail")
};

class Outbox {
public:
    // Opens (creating, mode 0700) the outbox directory. Errors: unavailable.
    static Result<Outbox> open(const std::string& dir);

    // Queues entry unless its key is queued already or was delivered: true when queued.
    // Errors: unavailable.
    Result<bool> add(const OutboxEntry& entry) const;

    // The queued entries, oldest first; an unreadable file is skipped (counted in *skipped).
    Result<std::vector<OutboxEntry>> pending(size_t* skipped = nullptr) const;

    // Records the entry's progress (done, attempts). Errors: unavailable.
    Result<void> save(const OutboxEntry& entry) const;

    // Marks the key delivered, then forgets the entry. Errors: unavailable.
    Result<void> acknowledge(const OutboxEntry& entry) const;

    // Forgets a queued entry without marking it delivered (given up). Errors: unavailable.
    Result<void> drop(const OutboxEntry& entry) const;

    // Forgets delivered keys older than max_age (their alerts cannot come back by then).
    void prune_sent(int64_t now_epoch, std::chrono::seconds max_age) const;

    // The deliverer's lock, waiting at most wait: nullopt when another run kept it.
    Result<std::optional<FileLock>> lock(std::chrono::milliseconds wait) const;

    const std::string& dir() const noexcept { return m_dir; }

private:
    explicit Outbox(std::string dir) : m_dir(std::move(dir)) {}
    std::string pending_path(const std::string& key) const;
    std::string sent_path(const std::string& key) const;
    std::string m_dir;
};

} // namespace qops::net
