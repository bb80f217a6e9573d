#pragma once
// Telling a person about an alert, for the tools that raise them (exit-owner-watch,
// emergency-stop): the message built from the alert, queued in the tool's outbox under
// the alert's key, and delivered to the channels the daily summary uses
// (QT_ALERT_WEBHOOK, mail to QT_AUDIT_EMAIL through QT_SMTP_*). Delivery is separate
// from queueing so that it runs after the work that matters (the checkpoint, the stop)
// and can never delay it; what it could not deliver stays queued for the next run, and a
// failure is a WARN that never changes the exit code.

#include "net/mail.hpp"
#include "watch/alert.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace qops::commands::notify {

// The channels configured in the environment and the time each delivery may take.
struct Channels {
    std::string webhook;                   // webhook_from_env() (a secret: never logged)
    std::optional<net::MailSettings> mail; // when QT_AUDIT_EMAIL is set
    std::chrono::milliseconds timeout{5000};
    bool any() const { return !webhook.empty() || mail.has_value(); }

    Channels() = default;
    Channels(const Channels&) = delete;
    Channels& operator=(const Channels&) = delete;
    Channels(Channels&&) noexcept = default;
    Channels& operator=(Channels&&) noexcept = default;
    ~Channels(); // wipes the webhook URL
};

// The webhook URL (a bearer token): the file $QT_ALERT_WEBHOOK_FILE, else the systemd
// credential alert-webhook, else $QT_ALERT_WEBHOOK (older env files); empty when none.
// A named file that cannot be read is a WARN (naming the setting) and no webhook.
std::string webhook_from_env();

// QT_AUDIT_EMAIL, QT_SMTP_SERVER, QT_SMTP_PORT, QT_SMTP_FROM, QT_SMTP_STARTTLS,
// QT_SMTP_CA_FILE, QT_SMTP_USER as mail settings (to is empty when QT_AUDIT_EMAIL is
// unset), with the password from $QT_SMTP_PASSWORD_FILE or the credential smtp-password
// when a user is set.
net::MailSettings mail_settings_from_env();

// Every channel from the environment; QT_NOTIFY_TIMEOUT_MS bounds each transfer.
Channels channels_from_env();

// What a person is told, and the key that makes it once.
struct Notice {
    std::string key;
    std::string subject;
    std::string text;
};

// The notice for an EXIT_OWNER_VIOLATION alert (watch::alert_fields): host, unit, count,
// first and last time, samples, gap, runbook; keyed by its dedup_key.
Notice exit_owner_notice(const watch::Fields& fields);

// An emergency stop as the person hears of it.
struct EssEvent {
    std::string host;
    std::string reason, who, when; // the latch
    std::vector<std::string> units, stopped, still_running;
    long long elapsed_ms = 0;
    std::string failure; // why the enforcement could not run at all (empty when it ran)
};

// The notice for a trip and its enforcement; a failed enforcement has its own key, so it
// is told even when the trip was told before.
Notice ess_notice(const EssEvent& event);

// The outbox directory of tool under state_dir.
std::string outbox_dir(const std::string& state_dir, const std::string& tool);

// Queues the notice in the tool's outbox unless its key was queued or delivered before;
// nothing when no channel is configured. A queue that cannot be written is a WARN and the
// notice is delivered by this run only. Never throws.
void queue(const std::string& state_dir, const std::string& tool, const Notice& notice);

// Shorthand for exit-owner-watch, called once the alert is stored: queues its notice.
void queue_alert(const std::string& state_dir, const watch::Fields& fields);

// Delivers every queued notice on each configured channel it was not yet acknowledged
// on, stopping a channel at its first failure (WARN; retried by the next run). Returns
// how many notices remain queued. Never throws.
size_t deliver(const std::string& state_dir, const std::string& tool);

} // namespace qops::commands::notify
