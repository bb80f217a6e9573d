#include "commands/commands.hpp"

#include "audit/day.hpp"
#include "audit/log.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/audit_common.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace qops::commands {
namespace {

using namespace audit;

ExitCode append_entries(const LogOptions& o, const std::vector<std::string>& messages, bool no_sync, Metrics& metrics) {
    const std::string path = locate_log(o);
    const std::string key = value_or_throw(load_key());
    std::vector<std::string> all;
    for (const auto& m : messages) {
        if (m != "-") {
            all.push_back(m);
            continue;
        }
        std::string line;
        while (std::getline(std::cin, line))
            all.push_back(line);
    }
    if (all.empty()) throw Failure(usage_error("nothing to append: give MESSAGE... or - for stdin"));
    auto written = value_or_throw(append(path, all, key, !no_sync));
    metrics.gauge("quantum_audit_appended", "Entries appended by the last run.", static_cast<double>(written.size()));
    if (written.size() <= 3)
        for (const auto& m : all)
            log::ok("Audit logged: {}", m);
    else
        log::ok("Audit logged: {} entries to {}", written.size(), path);
    return ExitCode::ok;
}

ExitCode stats(const LogOptions& o, Metrics& metrics) {
    const std::string path = locate_log(o);
    if (::access(path.c_str(), F_OK) != 0)
        throw Failure(unavailable(fmt::format("no audit log at {}", path), ErrorKind::not_found));
    const uint64_t total = value_or_throw(count_lines(path));
    const auto today = iso8601_utc(now_epoch_seconds()).substr(0, 10);
    // The same search as audit-summary, so both report the same count for a day.
    const uint64_t today_count = value_or_throw(read_day({path}, today, 0)).count;
    metrics.gauge("quantum_audit_entries", "Entries in the audit log.", static_cast<double>(total));
    if (o.json)
        std::cout << nlohmann::json{{"log", path}, {"total", total}, {"today", today_count}, {"date", today}}.dump()
                  << "\n";
    else
        std::cout << fmt::format("📊 Total Entries: {}\n📊 Today's Entries: {}\n", total, today_count);
    return ExitCode::ok;
}

ExitCode verify_log(const LogOptions& o, Metrics& metrics) {
    const std::string path = locate_log(o);
    const auto rep = value_or_throw(verify(path, value_or_throw(load_key())));
    metrics.gauge("quantum_audit_chain_ok", "1 when the last verify found the chain intact.", rep.ok ? 1 : 0);
    if (o.json)
        std::cout << nlohmann::json{{"log", path},
                                    {"ok", rep.ok},
                                    {"lines", rep.lines},
                                    {"legacy", rep.legacy},
                                    {"chained", rep.chained},
                                    {"bad_line", rep.bad_line},
                                    {"problem", rep.problem},
                                    {"head_checked", rep.head_checked}}
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

ExitCode test_entry(const LogOptions& o, Metrics& metrics) {
    return append_entries(o, {"Test audit entry - system check"}, false, metrics);
}

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

int audit_log_main(int argc, char** argv) {
    const ToolInfo info{"audit-log", "AUDIT-LOG", "Append to and verify the tamper-evident audit log."};
    std::string metrics_dir;
    LogOptions o;
    std::vector<std::string> messages;
    bool no_sync = false;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_exit_codes_help);
    app->require_subcommand(1);
    app->add_option("--log", o.log_flag, "Audit log file [env: QT_AUDIT_LOG]");
    auto* append = app->add_subcommand("append", "Append entries");
    append->add_option("message", messages, "Messages, or - for stdin")->required();
    append->add_flag("--no-sync", no_sync, "Skip fdatasync per entry (bulk imports)");
    auto* stats_cmd = app->add_subcommand("stats", "Count entries");
    stats_cmd->add_flag("--json", o.json, "Print as JSON");
    auto* verify = app->add_subcommand("verify", "Verify the chain");
    verify->add_flag("--json", o.json, "Print the report as JSON");
    app->add_subcommand("test", "Write the test entry");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        if (append->parsed()) return append_entries(o, messages, no_sync, metrics);
        if (stats_cmd->parsed()) return stats(o, metrics);
        if (verify->parsed()) return verify_log(o, metrics);
        return test_entry(o, metrics);
    });
}

} // namespace qops::commands
