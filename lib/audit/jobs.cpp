#include "audit/jobs.hpp"

#include "audit/log.hpp"
#include "audit/summary.hpp"
#include "util/cli.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace qops::audit {
namespace {

constexpr std::chrono::milliseconds k_delivery_timeout{10000};

std::string locate(const LogOptions& o) {
    const auto loc = resolve_log(o.log_flag);
    if (loc.fell_back)
        log::warn("{} is not writable here; using {}", loc.primary, loc.path);
    return loc.path;
}

} // namespace

ExitCode run_append(const LogOptions& o, const std::vector<std::string>& messages, bool no_sync, JobMetrics& metrics) {
    const std::string path = locate(o);
    const std::string key = value_or_throw(load_key());
    std::vector<std::string> all;
    for (const auto& m : messages) {
        if (m != "-") {
            all.push_back(m);
            continue;
        }
        std::string line;
        while (std::getline(std::cin, line)) all.push_back(line);
    }
    if (all.empty()) throw Failure(ExitCode::usage, "nothing to append: give MESSAGE... or - for stdin");
    auto written = value_or_throw(append(path, all, key, !no_sync));
    metrics.gauge("quantum_audit_appended", "Entries appended by the last run.", static_cast<double>(written.size()));
    if (written.size() <= 3)
        for (const auto& m : all) log::ok("Audit logged: {}", escape_message(m));
    else
        log::ok("Audit logged: {} entries to {}", written.size(), path);
    return ExitCode::ok;
}

ExitCode run_stats(const LogOptions& o, JobMetrics& metrics) {
    const std::string path = locate(o);
    if (::access(path.c_str(), F_OK) != 0) throw Failure(ExitCode::unavailable, fmt::format("no audit log at {}", path));
    const uint64_t total = value_or_throw(count_lines(path));
    const auto today = iso8601_utc(now_epoch_seconds()).substr(0, 10);
    const auto range = value_or_throw(find_day(path, today));
    const uint64_t today_count = value_or_throw(read_range(path, range, 0)).count;
    metrics.gauge("quantum_audit_entries", "Entries in the audit log.", static_cast<double>(total));
    if (o.json)
        std::cout << nlohmann::json{{"log", path}, {"total", total}, {"today", today_count}, {"date", today}}.dump()
                  << "\n";
    else
        std::cout << fmt::format("📊 Total Entries: {}\n📊 Today's Entries: {}\n", total, today_count);
    return ExitCode::ok;
}

ExitCode run_verify(const LogOptions& o, JobMetrics& metrics) {
    const std::string path = locate(o);
    const auto rep = value_or_throw(verify(path, value_or_throw(load_key())));
    metrics.gauge("quantum_audit_chain_ok", "1 when the last verify found the chain intact.", rep.ok ? 1 : 0);
    if (o.json)
        std::cout << nlohmann::json{{"log", path},       {"ok", rep.ok},           {"lines", rep.lines},
                                    {"legacy", rep.legacy}, {"chained", rep.chained}, {"bad_line", rep.bad_line},
                                    {"problem", rep.problem}, {"head_checked", rep.head_checked}}
                         .dump()
                  << "\n";
    if (!rep.ok) {
        log::fail("{} line {}: {}", path, rep.bad_line, rep.problem);
        return ExitCode::integrity;
    }
    if (!rep.head_checked && rep.chained > 0)
        log::warn("no head record {}.head: a removed tail cannot be detected", path);
    log::ok("{}: {} entries verify ({} chained, {} legacy unchained)", path, rep.lines, rep.chained, rep.legacy);
    return ExitCode::ok;
}

ExitCode run_test(const LogOptions& o, JobMetrics& metrics) {
    return run_append(o, {"Test audit entry - system check"}, false, metrics);
}

ExitCode run_summary(const SummaryOptions& o, JobMetrics& metrics) {
    const std::string date = value_or_throw(resolve_date(o.date, now_epoch_seconds()));
    const std::string path = locate(o.log);
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
