#include "commands/notify.hpp"

#include "base/env.hpp"
#include "base/host.hpp"
#include "base/secret.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/log.hpp"
#include "net/notify.hpp"
#include "net/outbox.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::commands::notify {
namespace {

constexpr const char* k_runbook_dir = "/usr/share/doc/quantum-ops/runbooks";
constexpr std::chrono::milliseconds k_default_timeout{5000};
// A notice still undelivered after a week is stale news: dropped with a WARN.
constexpr std::chrono::seconds k_max_queued_age{7 * 24 * 3600};
// A delivered key is remembered this long; a batch re-sent after a crash comes back
// within minutes.
constexpr std::chrono::seconds k_sent_memory{30 * 24 * 3600};
constexpr const char* k_webhook = "webhook";
constexpr const char* k_mail = "mail";

// Notices that could not be queued (state directory not writable): this run's only.
std::vector<net::OutboxEntry> g_unqueued;

std::string field(const watch::Fields& fields, const std::string& name) {
    for (const auto& [k, v] : fields)
        if (k == name) return v;
    return {};
}

std::string list_or_none(const std::vector<std::string>& v) {
    if (v.empty()) return "none";
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// A mail Message-ID from the key: the same alert is the same mail to a mail client.
std::string message_id(const std::string& key) {
    std::string id = "qops";
    for (const char c : key)
        id += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '.';
    return id.substr(0, 120);
}

// Sends one notice on one channel.
Result<void> send(const Channels& ch, const std::string& channel, const net::OutboxEntry& e) {
    if (channel == k_webhook) return net::post_webhook(ch.webhook, e.text, ch.timeout);
    return net::send_text_mail(*ch.mail, e.subject, e.text, ch.timeout, message_id(e.key));
}

} // namespace

std::string webhook_from_env() {
    auto secret = read_secret("QT_ALERT_WEBHOOK_FILE", "alert-webhook");
    if (!secret) {
        log::warn("Webhook not configured: {}", secret.error().message);
        return {};
    }
    if (*secret) return std::move(**secret);
    return env_or("QT_ALERT_WEBHOOK", "");
}

net::MailSettings mail_settings_from_env() {
    net::MailSettings m;
    m.server = env_or("QT_SMTP_SERVER", "localhost");
    m.port = env_or("QT_SMTP_PORT", "");
    m.from = env_or("QT_SMTP_FROM", fmt::format("quantum-ops@{}", hostname()));
    m.to = env_or("QT_AUDIT_EMAIL", "");
    m.starttls = env_or("QT_SMTP_STARTTLS", "");
    m.ca_file = env_or("QT_SMTP_CA_FILE", "");
    m.user = env_or("QT_SMTP_USER", "");
    if (!m.to.empty() && !m.user.empty()) {
        auto secret = read_secret("QT_SMTP_PASSWORD_FILE", "smtp-password");
        if (!secret)
            log::warn("SMTP password not read: {}", secret.error().message);
        else if (*secret)
            m.password = std::move(**secret);
    }
    return m;
}

Channels channels_from_env() {
    Channels ch;
    ch.webhook = webhook_from_env();
    auto mail = mail_settings_from_env();
    if (!mail.to.empty()) ch.mail = std::move(mail);
    ch.timeout = k_default_timeout;
    if (auto t = env("QT_NOTIFY_TIMEOUT_MS")) {
        char* end = nullptr;
        const long ms = std::strtol(t->c_str(), &end, 10);
        if (end != nullptr && *end == '\0' && ms > 0 && ms <= 60000) ch.timeout = std::chrono::milliseconds(ms);
    }
    return ch;
}

Notice exit_owner_notice(const watch::Fields& fields) {
    const std::string host = field(fields, "host");
    const std::string unit = field(fields, "unit");
    const std::string count = field(fields, "deny_count");
    Notice n;
    n.key = field(fields, "dedup_key");
    n.subject =
        fmt::format("[quantum-ops] {} on {}: {} event(s) from {}", field(fields, "alert_type"), host, count, unit);
    n.text = fmt::format("🚨 {} on {}\n"
                         "Host: {}\nUnit: {}\nCount: {} in the last {}\nFirst: {}\nLast: {}\n",
                         field(fields, "alert_type"), host, host, unit, count, field(fields, "window"),
                         field(fields, "first_ts"), field(fields, "last_ts"));
    const auto samples = nlohmann::json::parse(field(fields, "samples"), nullptr, false);
    if (samples.is_array() && !samples.empty()) {
        n.text += "Samples:\n";
        for (const auto& s : samples)
            if (s.is_object())
                n.text += fmt::format("  {} {}: {}\n", s.value("ts", ""), s.value("host", ""), s.value("message", ""));
    }
    if (field(fields, "gap") == "1") n.text += "Gap: events may have been rotated away or skipped\n";
    n.text += fmt::format("Runbook: {}/exit-owner-watch.md\nKey: {}\n", k_runbook_dir, n.key);
    return n;
}

Notice ess_notice(const EssEvent& e) {
    const bool enforced = e.failure.empty() && e.still_running.empty();
    Notice n;
    n.key = fmt::format("ESS_TRIPPED:{}:{}{}", e.host, e.when, enforced ? "" : ":not-enforced");
    n.subject = enforced
                    ? fmt::format("[quantum-ops] EMERGENCY STOP on {}: {} unit(s) stopped", e.host, e.stopped.size())
                    : fmt::format("[quantum-ops] EMERGENCY STOP NOT ENFORCED on {}", e.host);
    n.text = fmt::format("{} {} on {}\n"
                         "Host: {}\nReason: {}\nTripped by: {}\nFirst: {} (latch written)\n",
                         enforced ? "🛑" : "🚨", enforced ? "EMERGENCY STOP" : "EMERGENCY STOP NOT ENFORCED", e.host,
                         e.host, text::escape(e.reason), text::escape(e.who), text::escape(e.when));
    if (!e.failure.empty()) n.text += fmt::format("Failure: {}\n", text::escape(e.failure));
    n.text += fmt::format("Units: {} guarded, {} stopped, {} still running\nLast: {} (enforced in {} ms)\n"
                          "Stopped: {}\nStill running: {}\n",
                          e.units.size(), e.stopped.size(), e.still_running.size(), iso8601_utc(now_epoch_seconds()),
                          e.elapsed_ms, list_or_none(e.stopped), list_or_none(e.still_running));
    n.text += fmt::format("Runbook: {}/emergency-stop.md\nKey: {}\n", k_runbook_dir, n.key);
    return n;
}

Channels::~Channels() {
    wipe(webhook);
}

std::string outbox_dir(const std::string& state_dir, const std::string& tool) {
    return state_dir + "/" + tool + ".outbox";
}

void queue(const std::string& state_dir, const std::string& tool, const Notice& notice) {
    if (!channels_from_env().any()) return;
    const net::OutboxEntry entry{notice.key, notice.subject, notice.text, now_epoch_seconds(), 0, {}};
    auto outbox = net::Outbox::open(outbox_dir(state_dir, tool));
    auto added = outbox ? outbox->add(entry) : Result<bool>(outbox.error());
    if (!added) {
        log::warn("Notification {} not queued: {}; delivered by this run only", notice.key, added.error().message);
        g_unqueued.push_back(entry);
    } else if (!*added) {
        log::info("Notification {} was queued or delivered before, not again", notice.key);
    }
}

void queue_alert(const std::string& state_dir, const watch::Fields& fields) {
    queue(state_dir, "exit-owner-watch", exit_owner_notice(fields));
}

size_t deliver(const std::string& state_dir, const std::string& tool) {
    const Channels ch = channels_from_env();
    if (!ch.any()) return 0;
    std::vector<std::string> channels;
    if (!ch.webhook.empty()) channels.emplace_back(k_webhook);
    if (ch.mail) channels.emplace_back(k_mail);

    std::optional<net::Outbox> outbox;
    std::optional<FileLock> lock;
    std::vector<net::OutboxEntry> entries = std::move(g_unqueued);
    g_unqueued.clear();
    if (auto opened = net::Outbox::open(outbox_dir(state_dir, tool)); opened) {
        // Another run delivering now holds the lock through its transfers; waiting one
        // transfer's time keeps this run (the ESS unit's included) well inside its limits.
        auto locked = opened->lock(ch.timeout);
        if (!locked) {
            log::warn("Notification outbox {} not delivered: {}", opened->dir(), locked.error().message);
        } else if (!*locked) {
            log::info("Another run is delivering the notifications in {}", opened->dir());
        } else {
            lock = std::move(*locked);
            outbox = std::move(*opened);
            size_t skipped = 0;
            auto queued = outbox->pending(&skipped);
            if (!queued) log::warn("Notification outbox: {}", queued.error().message);
            if (skipped > 0) log::warn("{} unreadable file(s) in {}/pending, ignored", skipped, outbox->dir());
            if (queued) entries.insert(entries.end(), queued->begin(), queued->end());
        }
    }

    const int64_t now = now_epoch_seconds();
    std::vector<std::string> down; // channels that failed in this run: not tried again now
    size_t remaining = 0;
    for (auto& e : entries) {
        if (outbox && now - e.queued_epoch > k_max_queued_age.count()) {
            log::event(log::Level::warn, ids::notify_dropped, {{"QUANTUM_NOTICE_KEY", e.key}},
                       "Notification {} dropped: undelivered for over {} days", e.key,
                       k_max_queued_age.count() / 86400);
            (void)outbox->drop(e);
            continue;
        }
        ++e.attempts;
        for (const auto& c : channels) {
            if (contains(e.done, c) || contains(down, c)) continue;
            auto sent = send(ch, c, e);
            if (!sent) {
                log::event(log::Level::warn, ids::notify_failed,
                           {{"QUANTUM_NOTICE_KEY", e.key}, {"QUANTUM_CHANNEL", c}, {"QUANTUM_ATTEMPT", e.attempts}},
                           "Notification {} not delivered by {} (attempt {}): {}; {}", e.key, c, e.attempts,
                           sent.error().message, outbox ? "kept in the outbox for the next run" : "not kept");
                down.push_back(c);
                continue;
            }
            e.done.push_back(c);
            // Recorded at once: a crash before the other channel must not repeat this one.
            if (outbox)
                if (auto r = outbox->save(e); !r) log::warn("Notification {}: {}", e.key, r.error().message);
        }
        const bool all =
            std::all_of(channels.begin(), channels.end(), [&](const auto& c) { return contains(e.done, c); });
        if (all) {
            log::event(log::Level::ok, ids::notify_delivered,
                       {{"QUANTUM_NOTICE_KEY", e.key}, {"QUANTUM_CHANNEL", list_or_none(e.done)}},
                       "Notification {} delivered ({})", e.key, list_or_none(e.done));
            if (outbox)
                if (auto r = outbox->acknowledge(e); !r) log::warn("Notification {}: {}", e.key, r.error().message);
        } else {
            ++remaining;
            if (outbox)
                if (auto r = outbox->save(e); !r) log::warn("Notification {}: {}", e.key, r.error().message);
        }
    }
    if (outbox) outbox->prune_sent(now, k_sent_memory);
    return remaining;
}

} // namespace qops::commands::notify
