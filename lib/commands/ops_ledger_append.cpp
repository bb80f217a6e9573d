#include "commands/commands.hpp"

#include "base/atomic_file.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/file_lock.hpp"
#include "base/host.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "commands/checkpoint_common.hpp"
#include "commands/cli.hpp"
#include "commands/log.hpp"
#include "commands/message_ids.hpp"
#include "crypto/merkle.hpp"
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
    std::string witness_url;              // where checkpoints are published (empty: nowhere)
    std::string origin;                   // --origin (else QUANTUM_CHECKPOINT_ORIGIN, else the default)
    bool print_checkpoint = false;        // --checkpoint without --verify
    std::vector<std::string> checkpoints; // --checkpoint FILE... with --verify
    std::string verifier_keys, state_dir;
    bool verifier_key = false;
};

constexpr const char* k_default_verifier_keys = "/etc/quantum/ledger-verifier-keys";

constexpr size_t k_max_metrics_bytes = 64 * 1024;
constexpr size_t k_max_ledger_bytes = 256u << 20;
constexpr std::chrono::milliseconds k_probe_timeout{2000};

std::string trim_nl(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}

// What git prints for `git -C dir ARGS...` (empty when it fails, or without git).
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

// False when neither dir nor a parent (symlinks resolved, as git does) holds a .git and
// GIT_DIR is unset: git would only say that this is not a checkout, so it is not run.
bool may_be_git_checkout(const std::string& dir) {
    if (env("GIT_DIR")) return true;
    std::error_code ec;
    std::filesystem::path p = std::filesystem::canonical(dir, ec);
    if (ec) return true;
    for (;; p = p.parent_path()) {
        if (std::filesystem::exists(p / ".git", ec) || ec) return true;
        if (p == p.parent_path()) return false;
    }
}

// The commit and branch of the checkout holding dir: "unknown" outside a checkout, in one
// without a commit yet, or without git.
struct GitFacts {
    std::string commit = "unknown", branch = "unknown";
};

GitFacts git_facts(const std::string& dir) {
    GitFacts f;
    if (!may_be_git_checkout(dir)) return f;
    std::string commit = git_output(dir, {"rev-parse", "--short=8", "HEAD"});
    if (commit.empty()) return f; // not a checkout, or HEAD has no commit (nor a branch to name)
    f.commit = std::move(commit);
    if (std::string branch = git_output(dir, {"rev-parse", "--abbrev-ref", "HEAD"}); !branch.empty())
        f.branch = std::move(branch);
    return f;
}

// The ledger's text. Errors: unavailable (the same code whether appending or verifying).
Result<std::string> read_ledger(const std::string& path) {
    return with_context(read_file(path, k_max_ledger_bytes), "cannot read the ledger");
}

std::string default_ledger() {
    const std::string top = may_be_git_checkout(".") ? git_output(".", {"rev-parse", "--show-toplevel"}) : "";
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
    const GitFacts git = git_facts(dir);
    add("git_commit", git.commit);
    add("git_branch", git.branch);
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
    if (!k_risk.contains(o.risk_class))
        throw Failure(usage_error(
            fmt::format("--risk-class '{}': expected READ_ONLY, LOW_RISK_CONFIG, SERVICE_RESTART or FILESYSTEM_WRITE",
                        o.risk_class)));
    if (!k_outcome.contains(o.outcome))
        throw Failure(usage_error(fmt::format("--outcome '{}': expected SUCCESS, ROLLBACK or PARTIAL", o.outcome)));
    for (const auto* v : {&o.name, &o.blast_radius, &o.summary, &o.objective, &o.requested_by, &o.approved_by,
                          &o.rollback_ref, &o.notes})
        if (!text::valid_utf8(*v)) throw Failure(usage_error("values must be valid UTF-8"));
    for (const auto& s : o.services)
        if (s.empty() || !text::valid_utf8(s)) throw Failure(usage_error("--service needs a unit name"));
}

std::vector<crypto::CheckpointInput> stored_checkpoint(const std::string& path) {
    std::vector<crypto::CheckpointInput> out;
    auto note = read_file(checkpoint_path(path), k_max_checkpoint_file_bytes);
    if (note)
        out.push_back({checkpoint_path(path), *note, false});
    else if (note.error().kind != ErrorKind::not_found)
        throw Failure(note.error());
    return out;
}

ExitCode verify_file(const AppendOptions& o, Metrics& metrics) {
    const std::string& path = o.ledger;
    const auto keys = load_verifier_keys_for(o.verifier_keys, k_default_verifier_keys);
    const std::string state_dir = verifier_state_dir(o.state_dir);
    const std::string text = value_or_throw(read_ledger(path));
    auto inputs = stored_checkpoint(path);
    const bool stored = !inputs.empty();
    const auto given = read_checkpoint_files(o.checkpoints);
    inputs.insert(inputs.end(), given.begin(), given.end());
    const Ledger l = value_or_throw(parse(text));
    auto r = verify(l);
    std::vector<std::string> garbled;
    if (auto accepted = crypto::accepted_input(state_dir, inputs); !accepted) {
        if (accepted.error().code != ExitCode::integrity) throw Failure(accepted.error());
        garbled.push_back(accepted.error().message);
    } else if (*accepted) {
        inputs.push_back(std::move(**accepted));
    }
    const auto c = check_checkpoints(l, inputs, keys.keys, stored);
    r.problems.insert(r.problems.end(), garbled.begin(), garbled.end());
    r.problems.insert(r.problems.end(), c.problems.begin(), c.problems.end());
    if (c.uncovered > 0) r.problems.push_back(c.uncovered_problem);
    const bool authenticated = !keys.keys.empty();
    metrics.gauge("quantum_ledger_verify_ok", "1 when the last verify found the ledger intact and authenticated.",
                  r.problems.empty() && authenticated ? 1 : 0);
    metrics.gauge("quantum_ledger_verify_timestamp_seconds", "When the last verify ran (epoch seconds).",
                  static_cast<double>(now_epoch_seconds()));
    if (r.problems.empty()) record_accepted(state_dir, c.largest);
    if (o.json)
        std::cout << nlohmann::json{{"ledger", path},
                                    {"entries", r.entries},
                                    {"chained", r.chained},
                                    {"legacy", r.legacy},
                                    {"authenticated", authenticated},
                                    {"checkpoints", checkpoints_json(c.checkpoints)},
                                    {"problems", r.problems}}
                         .dump()
                  << "\n";
    for (size_t i = 0; i < r.problems.size() && i < k_max_problems_logged; ++i)
        log::fail("{}", r.problems[i]);
    if (!r.problems.empty()) {
        log::event(log::Level::fail, ids::ledger_verify_failed,
                   {{"QUANTUM_LEDGER", path}, {"QUANTUM_PROBLEM_COUNT", r.problems.size()}},
                   "{}: {} problems; the ledger is not what its checkpoints signed", path, r.problems.size());
        return ExitCode::integrity;
    }
    log::event(log::Level::ok, ids::ledger_verify_ok, {{"QUANTUM_LEDGER", path}, {"QUANTUM_LEDGER_ENTRIES", r.entries}},
               "{}: {} entries, {} chained and intact, {} legacy (unchained), {} checkpoints consistent", path,
               r.entries, r.chained, r.legacy, c.checkpoints.size());
    if (!authenticated) {
        log::warn("no verifier keys (--verifier-keys, QUANTUM_VERIFIER_KEYS or {}): signatures not checked, the "
                  "ledger is unauthenticated",
                  k_default_verifier_keys);
        return ExitCode::reported;
    }
    return ExitCode::ok;
}

ExitCode append_entry(const AppendOptions& in, Metrics& metrics) {
    AppendOptions o = in;
    if (o.ledger.empty()) o.ledger = default_ledger();
    if (o.verify) return verify_file(o, metrics);
    if (o.print_checkpoint) {
        std::cout << value_or_throw(
            with_context(read_file(checkpoint_path(o.ledger), k_max_checkpoint_file_bytes), "no checkpoint"));
        return ExitCode::ok;
    }
    const auto key = value_or_throw(load_signing_key());
    const std::string origin = o.origin.empty() ? default_origin() : o.origin;
    if (o.verifier_key) {
        if (!key)
            throw Failure(usage_error("no signing key: set QUANTUM_LEDGER_SIGNING_KEY_FILE or the credential "
                                      "ledger-signing-key"));
        std::cout << crypto::make_verifier_key(origin, key->public_key()).text() << "\n";
        return ExitCode::ok;
    }
    if (!key)
        log::warn("no signing key (QUANTUM_LEDGER_SIGNING_KEY_FILE or the credential ledger-signing-key): the "
                  "checkpoint is unsigned and the ledger unauthenticated");
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
    // The entries must be those of the stored checkpoint (its signature is verify's
    // business): a ledger changed by hand is not signed over.
    const auto stored = stored_checkpoint(o.ledger);
    if (stored.empty() && !ledger.entries.empty())
        log::warn("{} has no checkpoint {}: its {} entries are taken as they are", o.ledger, checkpoint_path(o.ledger),
                  ledger.entries.size());
    // One entry after it is a writer killed between the ledger and its checkpoint.
    const auto c = check_checkpoints(ledger, stored, {}, !stored.empty());
    if (!stored.empty() && (!c.problems.empty() || c.uncovered > 1)) {
        for (const auto& p : c.problems)
            log::fail("{}", p);
        if (c.uncovered > 1) log::fail("{}", c.uncovered_problem);
        throw Failure(integrity_error(fmt::format("{} is not what its checkpoint names; nothing written", o.ledger)));
    }
    if (c.uncovered == 1 && !o.dry_run) {
        // Signed first, so that this append, interrupted too, leaves again one entry at most.
        log::warn("{}: {} (an interrupted append), taken in", o.ledger, c.uncovered_problem);
        const std::string taken = value_or_throw(
            crypto::checkpoint_note(crypto::CheckpointBody::of_tree(origin, c.tree), key ? &*key : nullptr));
        value_or_throw(
            with_context(write_file_atomic(checkpoint_path(o.ledger), taken, 0644), "cannot write the checkpoint"));
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
    // The new entry has the highest chain_seq, so it is the last leaf in append order, and
    // the old entries are copied unchanged: the new tree is the one just checked plus its
    // leaf (tests/ledger and fuzz/fuzz_ledger check this against a parse of the new text).
    crypto::Frontier tree = c.tree;
    tree.append(crypto::leaf_hash(body));
    const auto cp = crypto::CheckpointBody::of_tree(origin, tree);
    const std::string note = value_or_throw(crypto::checkpoint_note(cp, key ? &*key : nullptr));
    value_or_throw(write_file_atomic(o.ledger, new_text, mode));
    // After the ledger: a writer killed between the two leaves an older checkpoint, which
    // the next append finds consistent (its first entries) and replaces.
    value_or_throw(
        with_context(write_file_atomic(checkpoint_path(o.ledger), note, 0644), "cannot write the checkpoint"));
    witness_checkpoint(o.witness_url, note, "ops-ledger-append");
    metrics.gauge("quantum_ledger_checkpoint_size", "Tree size of the ledger's latest checkpoint.",
                  static_cast<double>(cp.size));
    metrics.gauge("quantum_ops_ledger_entries", "Entries in the ops ledger.",
                  static_cast<double>(ledger.entries.size() + 1));
    log::event(log::Level::ok, ids::ledger_appended,
               {{"QUANTUM_OPERATION_ID", id}, {"QUANTUM_LEDGER", o.ledger}, {"QUANTUM_CHECKPOINT_SIZE", cp.size}},
               "{} appended to {} (chain seq {})", id, o.ledger, head.seq + 1);
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
block); after every append <ledger>.checkpoint holds a C2SP tlog-checkpoint signed note
over the RFC 6962 tree of the entries' block texts in append order (unchained entries
from the bottom of the file up, then chain_seq order). --verify checks the whole file,
the stored checkpoint, every --checkpoint FILE and the largest one accepted before;
--checkpoint alone prints the stored one, --verifier-key the signing key's verifier key.
Appends take a lock beside the ledger and replace
it atomically (temp file, fsync, rename, fsync of the directory): concurrent shells never
lose or duplicate an entry, and a kill -9 or a full disk leaves the previous file intact.
Entries are never edited: --rollback-of OPS-ID appends a ROLLBACK entry naming it.

--service UNIT records allowed_services and services_status (ActiveState read from
systemd over D-Bus; "unknown" with a WARN where no systemd runs). --proof-file PATH records
sha256 (first 16 hex), size_bytes and mtime_utc. --metrics-url URL records the body
(HTTP, 2 s, at most 64 KiB). --redis-snapshot 'COMMAND' records the reply (2 s).

Environment:
  QUANTUM_REDIS_URL (and QUANTUM_REDIS_PASSWORD_FILE) for --redis-snapshot; when set (or
                       --redis), each new checkpoint is also published (best effort) to
                       the stream quantum:stream:checkpoints
  QUANTUM_LEDGER_SIGNING_KEY_FILE  Ed25519 private key (PKCS#8 PEM, mode 0600) signing the
                       checkpoints (else the credential ledger-signing-key)
  QUANTUM_CHECKPOINT_ORIGIN  as --origin (default <hostname>/quantum-ops/ledger)
  QUANTUM_VERIFIER_KEYS  as --verifier-keys (default /etc/quantum/ledger-verifier-keys)
  QUANTUM_VERIFIER_STATE_DIR  as --state-dir (default $STATE_DIRECTORY or /var/lib/quantum)
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
    app->add_flag("--verify", o.verify, "Verify the ledger's chain and checkpoints (exit 4 on a break)");
    auto* checkpoint = app->add_option("--checkpoint", o.checkpoints,
                                       "Alone: print the latest signed checkpoint; with --verify: a published "
                                       "checkpoint FILE to check too (repeatable)")
                           ->expected(0, 1)
                           ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app->add_option("--verifier-keys", o.verifier_keys, "Verifier keys file [env: QUANTUM_VERIFIER_KEYS]");
    app->add_option("--state-dir", o.state_dir,
                    "Where the largest accepted checkpoint is kept [env: QUANTUM_VERIFIER_STATE_DIR]");
    app->add_option("--origin", o.origin, "Checkpoint origin and key name [env: QUANTUM_CHECKPOINT_ORIGIN]");
    app->add_flag("--verifier-key", o.verifier_key, "Print the signing key's verifier key and exit");
    return run(info, *app, metrics_dir, argc, argv, [&](Metrics& metrics) {
        // --checkpoint without a value: CLI11 leaves an empty string.
        std::erase(o.checkpoints, std::string());
        o.print_checkpoint = checkpoint->count() > 0 && o.checkpoints.empty() && !o.verify;
        o.redis_url = redis::url_from_env_or(redis_flag);
        o.witness_url = witness_url(redis_flag);
        return append_entry(o, metrics);
    });
}

} // namespace qops::commands
