#include "commands/commands.hpp"

#include "audit/log.hpp"
#include "audit/summary.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/secret.hpp"
#include "base/time.hpp"
#include "commands/audit_common.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/notify.hpp"
#include "net/mail.hpp"
#include "net/notify.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <iostream>

namespace qops::commands {
namespace {

using namespace audit;

struct SummaryOptions {
    LogOptions log;
    std::string date = "yesterday";
    size_t limit = k_default_summary_limit;
    bool notify = false;
};

constexpr std::chrono::milliseconds k_delivery_timeout{10000};

ExitCode summary(const SummaryOptions& o, Metrics& metrics) {
    const std::string date = value_or_throw(resolve_date(o.date, now_epoch_seconds()));
    const std::string path = locate_log(o.log);
    Summary s;
    // The rotated files too: a day may begin in one and end in the next.
    if (const auto files = value_or_throw(log_files(path)); !files.empty()) {
        s = value_or_throw(summarize(files, date, o.limit));
        if (s.out_of_order > 0)
            log::warn("{} entries around {} are stamped before an entry above them (the clock stepped back); each is "
                      "counted under the day of its stamp{}",
                      s.out_of_order, date, s.scanned_all ? ", the whole log read to find them" : "");
    } else {
        s.date = date;
        log::warn("no audit log at {}: the summary is empty", path);
    }
    // The summary carries the log's checkpoint: whoever receives it holds a witness copy.
    if (auto note = read_file(checkpoint_path(path), 64 * 1024)) s.checkpoint = *note;
    metrics.gauge("quantum_audit_summary_actions", "Actions in the last summarized day.", static_cast<double>(s.total));
    const std::string text = render_text(s);
    std::cout << (o.log.json ? render_json(s) + "\n" : text) << std::flush;
    if (!o.notify) return ExitCode::ok;

    bool failed = false;
    bool any = false;
    std::string webhook = notify::webhook_from_env();
    if (!webhook.empty()) {
        any = true;
        auto r = net::post_webhook(webhook, text, k_delivery_timeout);
        metrics.gauge("quantum_audit_summary_delivered", "1 when the last delivery on a channel worked.", r ? 1 : 0,
                      R"(channel="webhook")");
        const log::Fields fields{{"QUANTUM_AUDIT_DATE", date}, {"QUANTUM_CHANNEL", "webhook"}};
        if (r)
            log::event(log::Level::ok, ids::audit_summary_delivered, fields, "Summary posted to the webhook");
        else
            log::event(log::Level::warn, ids::audit_summary_not_delivered, fields,
                       "Summary not delivered to the webhook: {}", r.error().message),
                failed = true;
        wipe(webhook);
    }
    const std::string to = env_or("QT_AUDIT_EMAIL", "");
    if (!to.empty()) {
        any = true;
        const net::MailSettings mail = notify::mail_settings_from_env();
        // One Message-ID per day: a summary re-sent by hand is the same mail to a client.
        auto r = net::send_text_mail(mail, title(date), text, k_delivery_timeout, "qops.summary." + date);
        metrics.gauge("quantum_audit_summary_delivered", "1 when the last delivery on a channel worked.", r ? 1 : 0,
                      R"(channel="email")");
        const log::Fields fields{{"QUANTUM_AUDIT_DATE", date}, {"QUANTUM_CHANNEL", "email"}};
        if (r)
            log::event(log::Level::ok, ids::audit_summary_delivered, fields, "Summary mailed to {}", to);
        else
            log::event(log::Level::warn, ids::audit_summary_not_delivered, fields, "Summary not mailed to {}: {}", to,
                       r.error().message),
                failed = true;
    }
    if (!any) log::warn("--notify given but neither a webhook (credential alert-webhook) nor QT_AUDIT_EMAIL is set");
    return failed ? ExitCode::unavailable : ExitCode::ok;
}

constexpr const char* k_footer = R"(
Prints the summary of one UTC day (default yesterday) in the original format: title,
total actions, the most recent --limit actions between rules with the number of earlier
ones, and the closing count line. The day is found by seeking (binary search over the
log's byte offsets), so a large log is not read whole. --json gives a machine form.
--notify delivers the text to the webhook (JSON POST with "text" and "content", for
Slack and Discord) and/or mails it to QT_AUDIT_EMAIL through QT_SMTP_SERVER:QT_SMTP_PORT
(RFC 5322: quoted-printable, so long lines stay within 998 octets).
A delivery failure is a WARN and exit 3; the summary is printed anyway.

Environment:
  QT_AUDIT_LOG          the log (default /var/log/quantum/audit.log)
  QT_ALERT_WEBHOOK_FILE file holding the webhook URL (a secret; under systemd the
                        credential alert-webhook); QT_ALERT_WEBHOOK, the URL itself, is
                        read when neither is set
  QT_AUDIT_EMAIL        recipient
  QT_SMTP_SERVER        SMTP relay: host, smtp://host[:port] or smtps://host[:port]
                        (implicit TLS); default localhost
  QT_SMTP_PORT          (default 25, smtps 465)
  QT_SMTP_FROM          sender (default quantum-ops@<hostname>)
  QT_SMTP_STARTTLS      smtp:// only: no (default), try (when the relay offers it), yes
                        (required)
  QT_SMTP_CA_FILE       CA bundle that verifies the relay (default: the system's)
  QT_SMTP_USER          SMTP AUTH user, over TLS only; the password from the file
                        QT_SMTP_PASSWORD_FILE or the credential smtp-password
  QUANTUM_METRICS_DIR   as --metrics-dir

)";

} // namespace

int audit_summary_main(int argc, char** argv) {
    const ToolInfo info{"audit-summary", "AUDIT-SUMMARY", "Daily summary of the audit log."};
    std::string metrics_dir;
    SummaryOptions o;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_exit_codes_help);
    app->add_option("--log", o.log.log_flag, "Audit log file [env: QT_AUDIT_LOG]");
    app->add_option("--date", o.date, "YYYY-MM-DD, today or yesterday (UTC)")->capture_default_str();
    app->add_option("--limit", o.limit, "How many of the most recent actions to list")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, size_t{100000}));
    app->add_flag("--json", o.log.json, "Print as JSON");
    app->add_flag("--notify", o.notify, "Deliver by webhook and/or mail");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) { return summary(o, metrics); });
}

} // namespace qops::commands
