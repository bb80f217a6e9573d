// audit-log: append to, count and verify the tamper-evident audit log.

#include "audit/jobs.hpp"
#include "util/cli.hpp"

namespace {

constexpr const char* k_footer = R"(
Commands:
  append MESSAGE...  one entry per MESSAGE; "-" reads one entry per line of stdin
  stats              total entries and today's (UTC)
  verify             check the hash chain and the head record; exit 4 and the first bad line
  test               write the test entry "Test audit entry - system check"

Line format: [2025-12-17T17:39:46.725707Z] message<TAB>#<chain>, the chain being
HMAC-SHA256(key, previous chain || text before the TAB), or SHA-256 without a key; the
first previous value is 64 zeros. Newlines, TABs, backslashes, control bytes and invalid
UTF-8 are escaped (\n \t \\ \xHH), so an entry is always one line. Lines of the original
format (no chain) are legacy entries, accepted only before the first chained one.
Appends lock the file, so concurrent writers never interleave or break the chain.

Environment:
  QT_AUDIT_LOG            the log (default /var/log/quantum/audit.log; when that directory is
                          not writable: $XDG_STATE_HOME/quantum/audit.log, else
                          ~/.local/state/quantum/audit.log, with a WARN)
  QT_AUDIT_KEY_FILE       HMAC key file (else the credential audit-key in $CREDENTIALS_DIRECTORY)
  QUANTUM_METRICS_DIR     as --metrics-dir

)";

} // namespace

int main(int argc, char** argv) {
    const qops::ToolInfo info{"audit-log", "AUDIT-LOG", "Append to and verify the tamper-evident audit log."};
    qops::CommonOptions common;
    qops::audit::LogOptions o;
    std::vector<std::string> messages;
    bool no_sync = false;
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_exit_codes_help);
    app->require_subcommand(1);
    app->add_option("--log", o.log_flag, "Audit log file [env: QT_AUDIT_LOG]");
    auto* append = app->add_subcommand("append", "Append entries");
    append->add_option("message", messages, "Messages, or - for stdin")->required();
    append->add_flag("--no-sync", no_sync, "Skip fdatasync per entry (bulk imports)");
    auto* stats = app->add_subcommand("stats", "Count entries");
    stats->add_flag("--json", o.json, "Print as JSON");
    auto* verify = app->add_subcommand("verify", "Verify the chain");
    verify->add_flag("--json", o.json, "Print the report as JSON");
    auto* test = app->add_subcommand("test", "Write the test entry");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;

    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] {
        if (append->parsed()) return qops::audit::run_append(o, messages, no_sync, metrics);
        if (stats->parsed()) return qops::audit::run_stats(o, metrics);
        if (verify->parsed()) return qops::audit::run_verify(o, metrics);
        (void)test;
        return qops::audit::run_test(o, metrics);
    });
}
