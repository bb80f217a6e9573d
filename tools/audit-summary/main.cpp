// audit-summary: the daily summary of the audit log, printed and optionally delivered.

#include "audit/jobs.hpp"
#include "util/cli.hpp"

namespace {

constexpr const char* k_footer = R"(
Prints the summary of one UTC day (default yesterday) in the original format: title,
total actions, the most recent --limit actions between rules with the number of earlier
ones, and the closing count line. The day is found by seeking (binary search over the
log's byte offsets), so a large log is not read whole. --json gives a machine form.

--notify delivers the text to QT_ALERT_WEBHOOK (JSON POST with "text" and "content", for
Slack and Discord) and/or mails it to QT_AUDIT_EMAIL through QT_SMTP_SERVER:QT_SMTP_PORT.
A delivery failure is a WARN and exit 3; the summary is printed anyway.

Environment:
  QT_AUDIT_LOG          the log (default /var/log/quantum/audit.log)
  QT_ALERT_WEBHOOK      webhook URL (http or https)
  QT_AUDIT_EMAIL        recipient
  QT_SMTP_SERVER        SMTP relay (default localhost)
  QT_SMTP_PORT          (default 25)
  QT_SMTP_FROM          sender (default quantum-ops@<hostname>)
  QUANTUM_METRICS_DIR   as --metrics-dir

)";

} // namespace

int main(int argc, char** argv) {
    const qops::ToolInfo info{"audit-summary", "AUDIT-SUMMARY", "Daily summary of the audit log."};
    qops::CommonOptions common;
    qops::audit::SummaryOptions o;
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_exit_codes_help);
    app->add_option("--log", o.log.log_flag, "Audit log file [env: QT_AUDIT_LOG]");
    app->add_option("--date", o.date, "YYYY-MM-DD, today or yesterday (UTC)")->capture_default_str();
    app->add_option("--limit", o.limit, "How many of the most recent actions to list")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, size_t{100000}));
    app->add_flag("--json", o.log.json, "Print as JSON");
    app->add_flag("--notify", o.notify, "Deliver by webhook and/or mail");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;

    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] { return qops::audit::run_summary(o, metrics); });
}
