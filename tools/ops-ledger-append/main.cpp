// ops-ledger-append: append a signed-off, hash-chained entry to the ops ledger.

#include "ledger/jobs.hpp"
#include "redis/client.hpp"
#include "util/cli.hpp"

namespace {

constexpr const char* k_footer = R"(
Appends an entry to the ops ledger (--ledger, default ops/OPS_CHANGELOG.md of the current
git checkout): a ```yaml block at the top of its month section (created in order), with
operation_id OPS-YYYY-MM-DD-NNN (the next free number for the UTC date), timestamps,
git commit and branch, hostname, and what the flags add. Values of any kind (newlines,
": ", quotes, #, leading - or *, yes/null/1e3) are written so that they read back as the
same string. Each entry is chained (chain_seq, prev_hash, entry_hash = SHA-256 of the
block); --verify checks the whole file. Appends take a lock beside the ledger and replace
it atomically (temp file, fsync, rename, fsync of the directory): concurrent shells never
lose or duplicate an entry, and a kill -9 or a full disk leaves the previous file intact.
Entries are never edited: --rollback-of OPS-ID appends a ROLLBACK entry naming it.

--service UNIT records allowed_services and services_status (ActiveState read from
systemd over D-Bus; "unknown" with a WARN where no systemd runs). --proof-file PATH records
sha256 (first 16 hex), size_bytes and mtime_utc. --metrics-url URL records the body
(HTTP, 2 s, at most 64 KiB). --redis-snapshot 'COMMAND' records the reply (2 s).

Environment:
  QUANTUM_REDIS_URL (and QUANTUM_REDIS_PASSWORD_FILE) for --redis-snapshot
  QUANTUM_METRICS_DIR  as --metrics-dir

)";

} // namespace

int main(int argc, char** argv) {
    const qops::ToolInfo info{"ops-ledger-append", "OPS-LEDGER", "Append a signed-off entry to the ops ledger."};
    qops::CommonOptions common;
    qops::ledger::AppendOptions o;
    std::string redis_flag;
    auto app = qops::make_app(info, common, std::string(k_footer) + qops::k_exit_codes_help);
    app->add_option("--ledger", o.ledger, "Ledger file");
    app->add_option("--name", o.name, "operation_name (required)");
    app->add_option("--risk-class", o.risk_class, "READ_ONLY, LOW_RISK_CONFIG, SERVICE_RESTART or FILESYSTEM_WRITE (required)");
    app->add_option("--blast-radius", o.blast_radius, "What can break (required)");
    app->add_option("--summary", o.summary, "changes_summary (required)");
    app->add_option("--outcome", o.outcome, "SUCCESS, ROLLBACK or PARTIAL (required; ROLLBACK with --rollback-of)");
    app->add_option("--objective", o.objective, "objective");
    app->add_option("--requested-by", o.requested_by, "requested_by")->capture_default_str();
    app->add_option("--approved-by", o.approved_by, "approved_by")->capture_default_str();
    app->add_option("--rollback-ref", o.rollback_ref, "How to roll back (commit, command, procedure)");
    app->add_option("--notes", o.notes, "notes");
    app->add_option("--service", o.services, "A unit touched (repeatable)");
    app->add_option("--proof-file", o.proof_file, "Proof script or report to fingerprint");
    app->add_option("--metrics-url", o.metrics_url, "Metrics endpoint to snapshot");
    app->add_option("--redis-snapshot", o.redis_snapshots, "Redis command whose reply to record (repeatable)");
    app->add_option("--redis", redis_flag, "Redis URL [env: QUANTUM_REDIS_URL]");
    app->add_option("--rollback-of", o.rollback_of, "Append a ROLLBACK entry for this OPS-ID");
    app->add_flag("--git-tag", o.git_tag, "Also create the annotated tag ops-YYYY-MM-DD-NNN");
    app->add_flag("--dry-run", o.dry_run, "Print the entry; write nothing");
    app->add_flag("--json", o.json, "Print the result as JSON");
    app->add_flag("--verify", o.verify, "Verify the ledger's chain (exit 4 on a break)");
    if (auto code = qops::parse_args(*app, info, argc, argv)) return *code;
    o.redis_url = qops::redis::url_from_env_or(redis_flag);
    qops::JobMetrics metrics(info.name, common.metrics_dir);
    return qops::run_tool(info, common, metrics, [&] { return qops::ledger::run(o, metrics); });
}
