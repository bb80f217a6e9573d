#include "commands/commands.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/file_lock.hpp"
#include "base/host.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "crypto/sha256.hpp"
#include "ledger/ledger.hpp"
#include "net/http.hpp"
#include "redis/client.hpp"
#include "systemd/bus.hpp"
#include "systemd/unit.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace qops::commands {
namespace {

using namespace ledger;

struct AppendOptions {
    std::string ledger; // --ledger (else ops/OPS_CHANGELOG.md of the git checkout)
    std::string name, risk_class, blast_radius, summary, outcome;
    std::string objective, requested_by = "SELF", approved_by = "SELF", rollback_ref, notes;
    std::vector<std::string> services;
    std::string proof_file, metrics_url;
    std::vector<std::string> redis_snapshots;
    std::string rollback_of;
    bool git_tag = false, dry_run = false, json = false, verify = false;
    std::string redis_url;
};

constexpr size_t k_max_metrics_bytes = 64 * 1024;
constexpr size_t k_max_ledger_bytes = 256u << 20;
constexpr std::chrono::milliseconds k_probe_timeout{2000};

std::string trim_nl(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}

// What git says of the checkout holding dir (empty fields outside a checkout, or
// without git).
struct GitHead {
    std::string top, commit, branch;
};

std::string git_output(const std::string& dir, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"git", "-C", dir};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions po;
    po.timeout = std::chrono::seconds(10);
    po.max_output = 64 * 1024;
    auto r = run_process(argv, po);
    if (!r || !r->succeeded()) return {};
    return trim_nl(r->out);
}

GitHead git_head(const std::string& dir) {
    GitHead h;
    h.top = git_output(dir, {"rev-parse", "--show-toplevel"});
    if (h.top.empty()) return h;
    h.commit = git_output(dir, {"rev-parse", "--short=8", "HEAD"});
    h.branch = git_output(dir, {"rev-parse", "--abbrev-ref", "HEAD"});
    return h;
}

// The ledger's text. Errors: unavailable (the same code whether appending or verifying).
Result<std::string> read_ledger(const std::string& path) {
    return with_context(read_file(path, k_max_ledger_bytes), "cannot read the ledger");
}

std::string default_ledger() {
    const std::string top = git_head(".").top;
    if (top.empty()) throw Failure(usage_error("no --ledger given and not inside a git checkout"));
    return top + "/ops/OPS_CHANGELOG.md";
}

std::string metrics_snapshot(const std::string& url) {
    auto reply = net::get(url, k_probe_timeout, k_max_metrics_bytes);
    if (reply && reply->status == 200) return std::move(reply->body);
    log::warn("metrics snapshot of {} failed ({}), recorded as FAILED", url,
              reply ? fmt::format("HTTP {}", reply->status) : reply.error().message);
    return fmt::format("# {}: FAILED\n", url);
}

std::string reply_text(const redis::Reply& r, int depth = 0) {
    const std::string pad(static_cast<size_t>(depth) * 2, ' ');
    if (r.is_array()) {
        std::string out;
        for (size_t i = 0; i < r.size(); ++i)
            out += reply_text(r.element(i), depth + 1);
        return out.empty() ? pad + "(empty)\n" : out;
    }
    if (r.is_integer()) return pad + std::to_string(r.integer()) + "\n";
    if (r.is_nil()) return pad + "(nil)\n";
    return pad + std::string(r.str()) + "\n";
}

std::string redis_snapshot(const std::string& url, const std::string& command) {
    std::istringstream in(command);
    std::vector<std::string> args;
    for (std::string w; in >> w;)
        args.push_back(w);
    auto c = redis::connect_url(url, {k_probe_timeout, "ops-ledger-append"});
    if (c && !args.empty()) {
        if (auto r = c->command(args)) return reply_text(*r);
    }
    log::warn("Redis snapshot '{}' failed, recorded as FAILED", command);
    return fmt::format("# redis-cli {}: FAILED\n", command);
}

// The fields of a new entry, in the seed's order.
std::vector<Field> build_fields(const AppendOptions& o, const std::string& id, const std::string& now_iso,
                                const std::string& dir) {
    using K = Field::Kind;
    std::vector<Field> f;
    auto add = [&](const std::string& k, const std::string& v) {
        if (!v.empty()) f.push_back({k, K::scalar, v, {}, {}});
    };
    add("operation_id", id);
    add("operation_name", o.name);
    add("requested_by", o.requested_by);
    add("approved_by", o.approved_by);
    add("approval_timestamp", now_iso);
    add("execution_timestamp", now_iso);
    const GitHead head = git_head(dir);
    add("git_commit", head.commit.empty() ? "unknown" : head.commit);
    add("git_branch", head.branch.empty() ? "unknown" : head.branch);
    add("hostname", hostname());
    add("risk_class", o.risk_class);
    add("blast_radius", o.blast_radius);
    add("changes_summary", o.summary);
    add("objective", o.objective);
    add("rollback_ref", o.rollback_ref);
    add("rollback_of", o.rollback_of);
    add("outcome", o.outcome);
    if (!o.services.empty()) {
        std::vector<std::string> units; // each once: they are also the keys of services_status
        for (const auto& s : o.services)
            if (std::find(units.begin(), units.end(), s) == units.end()) units.push_back(s);
        f.push_back({"allowed_services", K::list, {}, units, {}});
        Field status{"services_status", K::map, {}, {}, {}};
        auto bus = systemd::Bus::open_system();
        if (!bus) log::warn("services status unknown: {}", bus.error().message);
        for (const auto& s : units) {
            std::string state = "unknown";
            if (bus) {
                auto st = bus->active_state(systemd::unit_name(s));
                if (st) state = *st;
            }
            status.map.emplace_back(s, state);
        }
        f.push_back(status);
    }
    if (!o.proof_file.empty()) {
        auto content = read_file(o.proof_file, 256u << 20);
        if (!content) throw Failure(usage_error(fmt::format("--proof-file: {}", content.error().message)));
        struct stat st {};
        ::stat(o.proof_file.c_str(), &st);
        const int64_t mtime_us = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
        std::string mtime = iso8601_utc_micros(mtime_us);
        mtime = mtime.substr(0, mtime.size() - 1) + "+00:00";
        f.push_back({"proof_file",
                     K::map,
                     {},
                     {},
                     {{"sha256", crypto::sha256_hex(*content).substr(0, 16)},
                      {"size_bytes", std::to_string(content->size())},
                      {"mtime_utc", mtime}}});
    }
    if (!o.metrics_url.empty()) f.push_back({"metrics_snapshot", K::block, metrics_snapshot(o.metrics_url), {}, {}});
    if (!o.redis_snapshots.empty()) {
        std::string snap;
        for (const auto& cmd : o.redis_snapshots)
            snap += "# " + cmd + "\n" + redis_snapshot(o.redis_url, cmd);
        f.push_back({"redis_snapshot", K::block, snap, {}, {}});
    }
    add("notes", o.notes);
    return f;
}

void validate(const AppendOptions& o) {
    static const std::set<std::string> k_risk{"READ_ONLY", "LOW_RISK_CONFIG", "SERVICE_RESTART", "FILESYSTEM_WRITE"};
    static const std::set<std::string> k_outcome{"SUCCESS", "ROLLBACK", "PARTIAL"};
    auto need = [](const std::string& v, const char* flag) {
        if (v.empty()) throw Failure(usage_error(fmt::format("{} is required", flag)));
    };
    need(o.name, "--name");
    need(o.risk_class, "--risk-class");
    need(o.blast_radius, "--blast-radius");
    need(o.summary, "--summary");
    need(o.outcome, "--outcome");
    if (!k_risk.count(o.risk_class))
        throw Failure(usage_error(
            fmt::format("--risk-class '{}': expected READ_ONLY, LOW_RISK_CONFIG, SERVICE_RESTART or FILESYSTEM_WRITE",
                        o.risk_class)));
    if (!k_outcome.count(o.outcome))
        throw Failure(usage_error(fmt::format("--outcome '{}': expected SUCCESS, ROLLBACK or PARTIAL", o.outcome)));
    for (const auto* v : {&o.name, &o.blast_radius, &o.summary, &o.objective, &o.requested_by, &o.approved_by,
                          &o.rollback_ref, &o.notes})
        if (!text::valid_utf8(*v)) throw Failure(usage_error("values must be valid UTF-8"));
    for (const auto& s : o.services)
        if (s.empty() || !text::valid_utf8(s)) throw Failure(usage_error("--service needs a unit name"));
}

ExitCode verify_file(const std::string& path, bool json) {
    const std::string text = value_or_throw(read_ledger(path));
    const Ledger l = value_or_throw(parse(text));
    const auto r = verify(l);
    if (json)
        std::cout << nlohmann::json{{"ledger", path},
                                    {"entries", r.entries},
                                    {"chained", r.chained},
                                    {"legacy", r.legacy},
                                    {"problems", r.problems}}
                         .dump()
                  << "\n";
    for (const auto& p : r.problems)
        log::fail("{}", p);
    if (!r.problems.empty()) return ExitCode::integrity;
    log::ok("{}: {} entries, {} chained and intact, {} legacy (unchained)", path, r.entries, r.chained, r.legacy);
    return ExitCode::ok;
}

ExitCode append_entry(const AppendOptions& in, Metrics& metrics) {
    AppendOptions o = in;
    if (o.ledger.empty()) o.ledger = default_ledger();
    if (o.verify) return verify_file(o.ledger, o.json);
    if (!o.rollback_of.empty() && o.outcome.empty()) o.outcome = "ROLLBACK";
    validate(o);
    const std::string dir = std::filesystem::absolute(o.ledger).parent_path().string();

    // One writer at a time: the lock file lives beside the ledger, which is replaced by rename.
    // A dry run that cannot create it (a read-only checkout) goes on unlocked.
    const std::string lock_path = dir + "/." + std::filesystem::path(o.ledger).filename().string() + ".lock";
    auto lock = FileLock::acquire(lock_path, 0644);
    if (!lock && !o.dry_run) throw Failure(lock.error());

    // A ledger that does not parse or verify is an integrity failure, as in --verify: a new
    // entry would chain onto it.
    const std::string text = value_or_throw(read_ledger(o.ledger));
    const Ledger ledger = value_or_throw(parse(text));
    if (const auto r = verify(ledger); !r.problems.empty()) {
        for (const auto& p : r.problems)
            log::fail("{}", p);
        throw Failure(integrity_error(fmt::format("{} does not verify; nothing written", o.ledger)));
    }
    if (!o.rollback_of.empty() && !has_operation(ledger, o.rollback_of))
        throw Failure(usage_error(fmt::format("--rollback-of {}: no such entry in {}", o.rollback_of, o.ledger)));
    const int64_t now_us = now_epoch_micros();
    std::string now_iso = iso8601_utc_micros(now_us);
    now_iso = now_iso.substr(0, now_iso.size() - 1) + "+00:00";
    const std::string date = now_iso.substr(0, 10);
    const std::string id = next_operation_id(ledger, date);
    const ChainHead head = chain_head(ledger);
    const std::vector<Field> fields = build_fields(o, id, now_iso, dir);
    const std::string body = render_entry(fields, head.seq + 1, head.hash);

    // The new entry must read back as written, as YAML and in the chain, and the new file
    // must hold it, before anything is replaced. (The old entries were verified above and
    // are copied unchanged; tests/ledger and fuzz/fuzz_ledger check the insertion.)
    auto check = parse("## " + date.substr(0, 7) + "\n```yaml\n" + body + "```\n");
    const bool readable = reads_back(body, fields) && check && check->entries.size() == 1 &&
                          check->entries[0].operation_id == id && check->entries[0].seq == head.seq + 1 &&
                          check->entries[0].prev_hash == head.hash && check->entries[0].chain_lines_as_written &&
                          entry_hash_of(body.substr(0, body.rfind("entry_hash: "))) == check->entries[0].entry_hash;
    if (!readable) throw Failure(integrity_error("the new entry does not read back as written; nothing written"));
    const std::string entry_hash = check->entries[0].entry_hash;
    const std::string new_text = insert_entry(text, date.substr(0, 7), body, head.seq + 1, entry_hash);
    if (new_text.find("```yaml\n" + body + "```\n") == std::string::npos ||
        new_text.size() <= text.size() + body.size())
        throw Failure(integrity_error("the new ledger does not hold the entry; nothing written"));

    if (o.json) {
        nlohmann::json j{
            {"operation_id", id}, {"ledger", o.ledger}, {"dry_run", o.dry_run}, {"entry_hash", entry_hash}};
        j["entry"] = body;
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::cout << "```yaml\n" << body << "```\n";
    }
    if (o.dry_run) {
        log::info("Dry run: {} not written to {}", id, o.ledger);
        return ExitCode::ok;
    }
    struct stat st {};
    const mode_t mode = ::stat(o.ledger.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    value_or_throw(write_file_atomic(o.ledger, new_text, mode));
    metrics.gauge("quantum_ops_ledger_entries", "Entries in the ops ledger.",
                  static_cast<double>(ledger.entries.size() + 1));
    log::ok("{} appended to {} (chain seq {})", id, o.ledger, head.seq + 1);
    if (o.git_tag) {
        std::string tag = "ops-" + id.substr(4);
        for (auto& ch : tag)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        ProcessOptions po;
        po.timeout = std::chrono::seconds(10);
        auto r = run_process({"git", "-C", dir, "tag", "-a", tag, "-m", body}, po);
        if (!r || r->exit_status != 0) {
            log::warn("{} written, but the git tag {} could not be created", id, tag);
            return ExitCode::unavailable;
        }
        log::ok("git tag {} created", tag);
    }
    return ExitCode::ok;
}

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

int ops_ledger_append_main(int argc, char** argv) {
    const ToolInfo info{"ops-ledger-append", "OPS-LEDGER", "Append a signed-off entry to the ops ledger."};
    std::string metrics_dir;
    AppendOptions o;
    std::string redis_flag;
    auto app = make_app(info, metrics_dir, std::string(k_footer) + k_exit_codes_help);
    app->add_option("--ledger", o.ledger, "Ledger file");
    app->add_option("--name", o.name, "operation_name (required)");
    app->add_option("--risk-class", o.risk_class,
                    "READ_ONLY, LOW_RISK_CONFIG, SERVICE_RESTART or FILESYSTEM_WRITE (required)");
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
    app->add_option("--redis", redis_flag, k_redis_flag_help);
    app->add_option("--rollback-of", o.rollback_of, "Append a ROLLBACK entry for this OPS-ID");
    app->add_flag("--git-tag", o.git_tag, "Also create the annotated tag ops-YYYY-MM-DD-NNN");
    app->add_flag("--dry-run", o.dry_run, "Print the entry; write nothing");
    app->add_flag("--json", o.json, "Print the result as JSON");
    app->add_flag("--verify", o.verify, "Verify the ledger's chain (exit 4 on a break)");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        o.redis_url = redis::url_from_env_or(redis_flag);
        return append_entry(o, metrics);
    });
}

} // namespace qops::commands
