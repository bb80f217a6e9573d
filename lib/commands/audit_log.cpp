#include "commands/commands.hpp"

#include "audit/day.hpp"
#include "audit/log.hpp"
#include "base/file.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/audit_common.hpp"
#include "commands/checkpoint_common.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/message_ids.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace qops::commands {
namespace {

using namespace audit;

constexpr const char* k_default_verifier_keys = "/etc/quantum/audit-verifier-keys";

struct VerifyFlags {
    std::vector<std::string> checkpoints;
    std::string verifier_keys;
    std::string state_dir;
};

std::optional<crypto::SigningKey> signing_key_or_warn() {
    auto key = value_or_throw(load_signing_key());
    if (!key)
        log::warn("no signing key (QUANTUM_AUDIT_SIGNING_KEY_FILE or the credential audit-signing-key): the "
                  "checkpoint is unsigned and the log unauthenticated");
    return key;
}

ExitCode append_entries(const LogOptions& o, const std::vector<std::string>& messages, bool no_sync, Metrics& metrics) {
    const std::string path = locate_log(o);
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
    const auto key = signing_key_or_warn();
    const AppendOptions options{!no_sync, key ? &*key : nullptr, o.origin};
    auto written = value_or_throw(append(path, all, options));
    witness_checkpoint(witness_url(o.redis_flag), written.checkpoint, "audit-log");
    if (written.recovered > 0)
        log::warn("{}: took in {} entry an interrupted append left after the tree state", path, written.recovered);
    metrics.gauge("quantum_audit_appended", "Entries appended by the last run.",
                  static_cast<double>(written.lines.size()));
    metrics.gauge("quantum_audit_checkpoint_size", "Tree size of the audit log's latest checkpoint.",
                  static_cast<double>(written.size));
    const log::Fields fields{{"QUANTUM_AUDIT_LOG", path}, {"QUANTUM_AUDIT_SIZE", written.size}};
    if (written.lines.size() <= 3)
        for (const auto& m : all)
            log::event(log::Level::ok, ids::audit_appended, fields, "Audit logged: {}", m);
    else
        log::event(log::Level::ok, ids::audit_appended, fields, "Audit logged: {} entries to {}", written.lines.size(),
                   path);
    return ExitCode::ok;
}

ExitCode stats(const LogOptions& o, Metrics& metrics) {
    const std::string path = locate_log(o);
    const auto files = value_or_throw(log_files(path)); // the rotated files, then the log
    if (files.empty()) throw Failure(unavailable(fmt::format("no audit log at {}", path), ErrorKind::not_found));
    uint64_t total = 0;
    for (const auto& f : files)
        total += value_or_throw(count_lines(f));
    const auto today = iso8601_utc(now_epoch_seconds()).substr(0, 10);
    // The same search as audit-summary, so both report the same count for a day.
    const uint64_t today_count = value_or_throw(read_day(files, today, 0)).count;
    metrics.gauge("quantum_audit_entries", "Entries in the audit log (its rotated files included).",
                  static_cast<double>(total));
    if (o.json)
        std::cout << nlohmann::json{{"log", path},
                                    {"files", files},
                                    {"total", total},
                                    {"today", today_count},
                                    {"date", today}}
                         .dump()
                  << "\n";
    else
        std::cout << fmt::format("📊 Total Entries: {}\n📊 Today's Entries: {}\n", total, today_count);
    return ExitCode::ok;
}

ExitCode verify_log(const LogOptions& o, const VerifyFlags& f, Metrics& metrics) {
    const std::string path = locate_log(o);
    const auto keys = load_verifier_keys_for(f.verifier_keys, k_default_verifier_keys);
    VerifyOptions v;
    v.keys = keys.keys;
    v.checkpoints = read_checkpoint_files(f.checkpoints);
    v.state_dir = verifier_state_dir(f.state_dir);
    v.legacy_key = value_or_throw(load_legacy_key());
    const auto rep = value_or_throw(verify(path, v));
    const bool ok = rep.ok() && rep.authenticated;
    metrics.gauge("quantum_audit_chain_ok", "1 when the last verify found the chain intact.", rep.ok() ? 1 : 0);
    metrics.gauge("quantum_audit_verify_ok", "1 when the last verify found the log intact and authenticated.",
                  ok ? 1 : 0);
    metrics.gauge("quantum_audit_verify_timestamp_seconds", "When the last verify ran (epoch seconds).",
                  static_cast<double>(now_epoch_seconds()));
    if (rep.ok()) record_accepted(v.state_dir, rep.largest);
    if (o.json)
        std::cout << nlohmann::json{{"log", path},
                                    {"ok", rep.ok()},
                                    {"authenticated", rep.authenticated},
                                    {"lines", rep.lines},
                                    {"legacy", rep.legacy},
                                    {"chained", rep.chained},
                                    {"bad_line", rep.problems.empty() ? 0 : rep.problems.front().line},
                                    {"problems", problems_json(rep.problems)},
                                    {"checkpoints", checkpoints_json(rep.checkpoints)},
                                    {"unchecked_tail", rep.unchecked_tail},
                                    {"expired", rep.expired},
                                    {"files", rep.files}}
                         .dump()
                  << "\n";
    if (!rep.ok()) {
        log_problems(path, "line", rep.problems);
        log::event(log::Level::fail, ids::audit_verify_failed,
                   {{"QUANTUM_AUDIT_LOG", path},
                    {"QUANTUM_AUDIT_SIZE", rep.lines},
                    {"QUANTUM_AUDIT_BAD_LINE", rep.problems.front().line},
                    {"QUANTUM_PROBLEM_COUNT", rep.problems.size()}},
                   "{}: {} problems; the log is not what its checkpoints signed", path, rep.problems.size());
        return ExitCode::integrity;
    }
    if (rep.unchecked_tail > 0)
        log::warn("{}: the last {} lines are newer than every checkpoint given and are not authenticated", path,
                  rep.unchecked_tail);
    if (rep.expired > 0)
        log::warn("{}: entries 1-{} were in rotated files since removed (retention); verified from entry {} on", path,
                  rep.expired, rep.expired + 1);
    log::event(log::Level::ok, ids::audit_verify_ok, {{"QUANTUM_AUDIT_LOG", path}, {"QUANTUM_AUDIT_SIZE", rep.lines}},
               "{}: {} entries verify ({} chained, {} legacy unchained{}), {} checkpoints consistent", path, rep.lines,
               rep.chained, rep.legacy,
               rep.files.size() > 1 ? fmt::format(", in {} files", rep.files.size()) : std::string(),
               rep.checkpoints.size());
    if (!rep.authenticated) {
        log::warn("no verifier keys (--verifier-keys, QUANTUM_VERIFIER_KEYS or {}): signatures not checked, the "
                  "log is unauthenticated",
                  k_default_verifier_keys);
        return ExitCode::reported;
    }
    return ExitCode::ok;
}

ExitCode print_checkpoint(const LogOptions& o) {
    const std::string path = locate_log(o);
    auto note = read_file(checkpoint_path(path), k_max_checkpoint_file_bytes);
    if (!note) throw Failure(with_context(Result<std::string>(note.error()), "no checkpoint").error());
    std::cout << *note;
    return ExitCode::ok;
}

ExitCode print_verifier_key(const LogOptions& o) {
    const auto key = value_or_throw(load_signing_key());
    if (!key)
        throw Failure(usage_error("no signing key: set QUANTUM_AUDIT_SIGNING_KEY_FILE or the credential "
                                  "audit-signing-key"));
    std::cout << crypto::make_verifier_key(o.origin.empty() ? default_origin() : o.origin, key->public_key()).text()
              << "\n";
    return ExitCode::ok;
}

ExitCode rescan_log(const LogOptions& o, Metrics& metrics) {
    const std::string path = locate_log(o);
    const auto key = signing_key_or_warn();
    const auto r = value_or_throw(
        rescan(path, AppendOptions{true, key ? &*key : nullptr, o.origin}, value_or_throw(load_legacy_key())));
    metrics.gauge("quantum_audit_checkpoint_size", "Tree size of the audit log's latest checkpoint.",
                  static_cast<double>(r.size));
    witness_checkpoint(witness_url(o.redis_flag), r.checkpoint, "audit-log");
    if (r.adopted > 0) log::warn("{}: {} entries after the previous checkpoint are now in the tree", path, r.adopted);
    log::ok("{}: tree state rebuilt, checkpoint of {} entries stored", path, r.size);
    return ExitCode::ok;
}

ExitCode rotate_log(const LogOptions& o, bool renamed_only, Metrics& metrics) {
    const std::string path = locate_log(o);
    const auto r = value_or_throw(rotate(path, renamed_only));
    if (r.path.empty()) {
        log::ok("{}: {}", path, renamed_only ? "no rotated file to record" : "empty, nothing to rotate");
        return ExitCode::ok;
    }
    metrics.gauge("quantum_audit_rotated_entries", "Entries in the file the last rotation closed.",
                  static_cast<double>(r.lines));
    log::event(
        log::Level::ok, ids::audit_rotated,
        {{"QUANTUM_AUDIT_LOG", path}, {"QUANTUM_AUDIT_ROTATED", r.path}, {"QUANTUM_AUDIT_ROTATED_LINES", r.lines}},
        "{}: {} entries {} {}; the log goes on with the same tree", path, r.lines,
        r.renamed ? "renamed to" : "rotated to", r.path);
    return ExitCode::ok;
}

ExitCode test_entry(const LogOptions& o, Metrics& metrics) {
    return append_entries(o, {"Test audit entry - system check"}, false, metrics);
}

constexpr const char* k_footer = R"(
Commands:
  append MESSAGE...  one entry per MESSAGE; "-" reads one entry per line of stdin
  stats              total entries and today's (UTC)
  verify             check every line, the chain and every checkpoint; exit 4 listing each problem
  checkpoint         print the latest signed checkpoint (<log>.checkpoint)
  verifier-key       print the signing key's verifier key (for QUANTUM_VERIFIER_KEYS files)
  rescan             rebuild the tree state <log>.tree from the whole log (migration, recovery)
  rotate [--renamed] close the log: rename it to <log>-YYYYMMDD-<epoch> (UTC), record it in
                     <log>.segments and go on in a new file with the same tree and chain;
                     --renamed only records a rename done by logrotate (its postrotate)
  test               write the test entry "Test audit entry - system check"

Line format: [2025-12-17T17:39:46.725707Z] message<TAB>#<chain>, the chain being
SHA-256(previous chain || text before the TAB); the first previous value is 64 zeros.
Newlines, TABs, backslashes, control bytes and invalid UTF-8 are escaped (\n \t \\ \xHH),
so an entry is always one line. Lines of the original format (no chain) are legacy
entries, accepted only before the first chained one. After every append <log>.checkpoint
holds a C2SP tlog-checkpoint signed note: origin, tree size and the RFC 6962 Merkle root
of the log's lines. verify checks it, every --checkpoint given and the largest one this
verifier accepted before (consistency), and catches two checkpoints of one size with
different roots (equivocation).

Rotated files: stats, verify and audit-summary read the files listed in <log>.segments
(oldest first) and the log as one log. A rotated file may be removed when it is past
retention, oldest first: verify then starts from the state recorded for it (WARN). The
package's logrotate snippet (/etc/logrotate.d/quantum-ops) rotates monthly with dateext;
logrotate renames the file, and the next append or `rotate --renamed` records it (by its
size and last chain value). Do not compress rotated files.

Environment:
  QT_AUDIT_LOG            the log (default /var/log/quantum/audit.log; when that directory is
                          not writable: $XDG_STATE_HOME/quantum/audit.log, else
                          ~/.local/state/quantum/audit.log, with a WARN)
  QUANTUM_AUDIT_SIGNING_KEY_FILE  Ed25519 private key (PKCS#8 PEM, mode 0600) signing the
                          checkpoints (else the credential audit-signing-key)
  QUANTUM_CHECKPOINT_ORIGIN  as --origin (default <hostname>/quantum-ops/audit)
  QUANTUM_VERIFIER_KEYS   as --verifier-keys (default /etc/quantum/audit-verifier-keys)
  QUANTUM_VERIFIER_STATE_DIR  as --state-dir (default $STATE_DIRECTORY or /var/lib/quantum)
  QT_AUDIT_KEY_FILE       the first edition's HMAC key, to verify entries chained with it
                          (else the credential audit-key)
  QUANTUM_REDIS_URL       as --redis: each new checkpoint is also published (best effort) to
                          the stream quantum:stream:checkpoints; unset: not published
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
    app->add_option("--redis", o.redis_flag, "Redis URL the checkpoints are witnessed in [env: QUANTUM_REDIS_URL]");
    app->add_option("--origin", o.origin, "Checkpoint origin and key name [env: QUANTUM_CHECKPOINT_ORIGIN]");
    VerifyFlags vf;
    auto* verify = app->add_subcommand("verify", "Verify the log and its checkpoints");
    verify->add_flag("--json", o.json, "Print the report as JSON");
    verify->add_option("--checkpoint", vf.checkpoints, "A published checkpoint to check too (repeatable)");
    verify->add_option("--verifier-keys", vf.verifier_keys, "Verifier keys file [env: QUANTUM_VERIFIER_KEYS]");
    verify->add_option("--state-dir", vf.state_dir,
                       "Where the largest accepted checkpoint is kept [env: QUANTUM_VERIFIER_STATE_DIR]");
    auto* checkpoint = app->add_subcommand("checkpoint", "Print the latest signed checkpoint");
    auto* verifier_key = app->add_subcommand("verifier-key", "Print the signing key's verifier key");
    auto* rescan_cmd = app->add_subcommand("rescan", "Rebuild the tree state from the whole log");
    bool renamed_only = false;
    auto* rotate_cmd = app->add_subcommand("rotate", "Rotate the log, keeping its tree across files");
    rotate_cmd->add_flag("--renamed", renamed_only,
                         "Only record a rotation done by renaming the log (logrotate's postrotate)");
    app->add_subcommand("test", "Write the test entry");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        if (append->parsed()) return append_entries(o, messages, no_sync, metrics);
        if (stats_cmd->parsed()) return stats(o, metrics);
        if (verify->parsed()) return verify_log(o, vf, metrics);
        if (checkpoint->parsed()) return print_checkpoint(o);
        if (verifier_key->parsed()) return print_verifier_key(o);
        if (rescan_cmd->parsed()) return rescan_log(o, metrics);
        if (rotate_cmd->parsed()) return rotate_log(o, renamed_only, metrics);
        return test_entry(o, metrics);
    });
}

} // namespace qops::commands
