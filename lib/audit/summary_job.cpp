#include "audit/jobs.hpp"

#include "audit/log.hpp"
#include "audit/summary.hpp"
#include "util/cli.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <iostream>

// audit-summary's job, apart from audit-log's (audit/jobs.cpp): it only reads the log, so
// it links none of the chain code and starts without libcrypto.
namespace qops::audit {
namespace {

constexpr std::chrono::milliseconds k_delivery_timeout{10000};

} // namespace

std::string locate_log(const LogOptions& o) {
    const auto loc = resolve_log(o.log_flag);
    if (loc.fell_back)
        log::warn("{} is not writable here; using {}", loc.primary, loc.path);
    return loc.path;
}

ExitCode run_summary(const SummaryOptions& o, JobMetrics& metrics) {
    const std::string date = value_or_throw(resolve_date(o.date, now_epoch_seconds()));
    const std::string path = locate_log(o.log);
    Summary s;
    if (::access(path.c_str(), F_OK) == 0) s = value_or_throw(summarize(path, date, o.limit));
    else s.date = date, log::warn("no audit log at {}: the summary is empty", path);
    metrics.gauge("quantum_audit_summary_actions", "Actions in the last summarized day.", static_cast<double>(s.total));
    const std::string text = render_text(s);
    std::cout << (o.log.json ? render_json(s) + "\n" : text) << std::flush;
    if (!o.notify) return ExitCode::ok;

    bool failed = false;
    bool any = false;
    const std::string webhook = env_or("QT_ALERT_WEBHOOK", "");
    if (!webhook.empty()) {
        any = true;
        auto r = post_webhook(webhook, text, k_delivery_timeout);
        metrics.gauge("quantum_audit_summary_delivered", "1 when the last delivery on a channel worked.", r ? 1 : 0,
                      R"(channel="webhook")");
        if (r) log::ok("Summary posted to the webhook");
        else log::warn("Summary not delivered to the webhook: {}", r.error().message), failed = true;
    }
    const std::string to = env_or("QT_AUDIT_EMAIL", "");
    if (!to.empty()) {
        any = true;
        char host[256] = "localhost";
        ::gethostname(host, sizeof host - 1);
        const std::string from = env_or("QT_SMTP_FROM", fmt::format("quantum-ops@{}", host));
        auto r = send_mail(env_or("QT_SMTP_SERVER", "localhost"), env_or("QT_SMTP_PORT", "25"), from, to, title(date),
                           text, k_delivery_timeout);
        metrics.gauge("quantum_audit_summary_delivered", "1 when the last delivery on a channel worked.", r ? 1 : 0,
                      R"(channel="email")");
        if (r) log::ok("Summary mailed to {}", to);
        else log::warn("Summary not mailed to {}: {}", to, r.error().message), failed = true;
    }
    if (!any) log::warn("--notify given but neither QT_ALERT_WEBHOOK nor QT_AUDIT_EMAIL is set");
    return failed ? ExitCode::unavailable : ExitCode::ok;
}

} // namespace qops::audit
