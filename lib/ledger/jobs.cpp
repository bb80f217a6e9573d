#include "ledger/jobs.hpp"

#include "ess/systemd_bus.hpp"
#include "ledger/ledger.hpp"
#include "redis/client.hpp"
#include "util/atomic_file.hpp"
#include "util/crypto.hpp"
#include "util/fd.hpp"
#include "util/http.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace qops::ledger {
namespace {

constexpr size_t k_max_metrics_bytes = 64 * 1024;
constexpr std::chrono::milliseconds k_probe_timeout{2000};

std::string trim_nl(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// Commit and branch of the checkout holding `dir`, read from its git directory (HEAD,
// loose refs, packed-refs; worktrees through commondir) rather than by running git twice.
struct GitHead {
    std::string top, commit, branch;
};
GitHead git_head(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (fs::path p = fs::absolute(dir, ec); !p.empty(); p = p.parent_path()) {
        const fs::path dotgit = p / ".git";
        fs::path gitdir;
        if (fs::is_directory(dotgit, ec)) {
            gitdir = dotgit;
        } else if (fs::is_regular_file(dotgit, ec)) { // a worktree: "gitdir: <path>"
            auto t = read_file(dotgit.string(), 4096);
            if (!t || t->rfind("gitdir: ", 0) != 0) return {};
            gitdir = trim_nl(t->substr(8));
            if (gitdir.is_relative()) gitdir = p / gitdir;
        }
        if (!gitdir.empty()) {
            GitHead h{p.string(), "unknown", "unknown"};
            fs::path common = gitdir;
            if (auto c = read_file((gitdir / "commondir").string(), 4096)) common = gitdir / trim_nl(*c);
            auto head = read_file((gitdir / "HEAD").string(), 4096);
            if (!head) return h;
            std::string ref = trim_nl(*head);
            if (ref.rfind("ref: ", 0) != 0) {
                h.branch = "HEAD";
                h.commit = ref.substr(0, 8);
                return h;
            }
            ref = ref.substr(5);
            h.branch = ref.rfind("refs/heads/", 0) == 0 ? ref.substr(11) : ref;
            if (auto sha = read_file((common / ref).string(), 4096)) {
                h.commit = trim_nl(*sha).substr(0, 8);
            } else if (auto packed = read_file((common / "packed-refs").string(), 64u << 20)) {
                std::istringstream in(*packed);
                for (std::string line; std::getline(in, line);)
                    if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) h.commit = line.substr(0, 8);
            }
            return h;
        }
        if (p == p.root_path()) break;
    }
    return {};
}

std::string default_ledger() {
    const std::string top = git_head(".").top;
    if (top.empty()) throw Failure(ExitCode::usage, "no --ledger given and not inside a git checkout");
    return top + "/ops/OPS_CHANGELOG.md";
}

std::string metrics_snapshot(const std::string& url) {
    auto reply = http::get(url, k_probe_timeout, k_max_metrics_bytes);
    if (reply && reply->status == 200) return std::move(reply->body);
    log::warn("metrics snapshot of {} failed ({}), recorded as FAILED", url,
              reply ? fmt::format("HTTP {}", reply->status) : reply.error().message);
    return fmt::format("# {}: FAILED\n", url);
}

std::string reply_text(const redis::Reply& r, int depth = 0) {
    const std::string pad(static_cast<size_t>(depth) * 2, ' ');
    if (r.is_array()) {
        std::string out;
        for (size_t i = 0; i < r.size(); ++i) out += reply_text(r.element(i), depth + 1);
        return out.empty() ? pad + "(empty)\n" : out;
    }
    if (r.is_integer()) return pad + std::to_string(r.integer()) + "\n";
    if (r.is_nil()) return pad + "(nil)\n";
    return pad + std::string(r.str()) + "\n";
}

std::string redis_snapshot(const std::string& url, const std::string& command) {
    std::istringstream in(command);
    std::vector<std::string> args;
    for (std::string w; in >> w;) args.push_back(w);
    auto c = redis::connect_url(url, {k_probe_timeout, "ops-ledger-append"});
    if (c && !args.empty()) {
        auto r = c->command(args);
        if (r && !redis::is_error_reply(*r)) return reply_text(*r);
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
    char host[256] = "unknown";
    ::gethostname(host, sizeof host - 1);
    add("hostname", host);
    add("risk_class", o.risk_class);
    add("blast_radius", o.blast_radius);
    add("changes_summary", o.summary);
    add("objective", o.objective);
    add("rollback_ref", o.rollback_ref);
    add("rollback_of", o.rollback_of);
    add("outcome", o.outcome);
    if (!o.services.empty()) {
        f.push_back({"allowed_services", K::list, {}, o.services, {}});
        Field status{"services_status", K::map, {}, {}, {}};
        auto bus = ess::SystemdBus::open();
        if (!bus) log::warn("services status unknown: {}", bus.error().message);
        for (const auto& s : o.services) {
            std::string state = "unknown";
            if (bus) {
                auto st = bus->active_state(ess::unit_name(s));
                if (st) state = *st;
            }
            status.map.emplace_back(s, state);
        }
        f.push_back(status);
    }
    if (!o.proof_file.empty()) {
        auto content = read_file(o.proof_file, 256u << 20);
        if (!content) throw Failure(ExitCode::usage, fmt::format("--proof-file: {}", content.error().message));
        struct stat st {};
        ::stat(o.proof_file.c_str(), &st);
        const int64_t mtime_us = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
        std::string mtime = iso8601_utc_micros(mtime_us);
        mtime = mtime.substr(0, mtime.size() - 1) + "+00:00";
        f.push_back({"proof_file", K::map, {}, {},
                     {{"sha256", sha256_hex(*content).substr(0, 16)},
                      {"size_bytes", std::to_string(content->size())},
                      {"mtime_utc", mtime}}});
    }
    if (!o.metrics_url.empty()) f.push_back({"metrics_snapshot", K::block, metrics_snapshot(o.metrics_url), {}, {}});
    if (!o.redis_snapshots.empty()) {
        std::string snap;
        for (const auto& cmd : o.redis_snapshots) snap += "# " + cmd + "\n" + redis_snapshot(o.redis_url, cmd);
        f.push_back({"redis_snapshot", K::block, snap, {}, {}});
    }
    add("notes", o.notes);
    return f;
}

void validate(const AppendOptions& o) {
    static const std::set<std::string> k_risk{"READ_ONLY", "LOW_RISK_CONFIG", "SERVICE_RESTART", "FILESYSTEM_WRITE"};
    static const std::set<std::string> k_outcome{"SUCCESS", "ROLLBACK", "PARTIAL"};
    auto need = [](const std::string& v, const char* flag) {
        if (v.empty()) throw Failure(ExitCode::usage, fmt::format("{} is required", flag));
    };
    need(o.name, "--name");
    need(o.risk_class, "--risk-class");
    need(o.blast_radius, "--blast-radius");
    need(o.summary, "--summary");
    need(o.outcome, "--outcome");
    if (!k_risk.count(o.risk_class))
        throw Failure(ExitCode::usage, fmt::format("--risk-class '{}': expected READ_ONLY, LOW_RISK_CONFIG, SERVICE_RESTART "
                                                   "or FILESYSTEM_WRITE", o.risk_class));
    if (!k_outcome.count(o.outcome))
        throw Failure(ExitCode::usage, fmt::format("--outcome '{}': expected SUCCESS, ROLLBACK or PARTIAL", o.outcome));
    for (const auto* v : {&o.name, &o.blast_radius, &o.summary, &o.objective, &o.requested_by, &o.approved_by,
                          &o.rollback_ref, &o.notes})
        if (!valid_utf8(*v)) throw Failure(ExitCode::usage, "values must be valid UTF-8");
    for (const auto& s : o.services)
        if (s.empty() || !valid_utf8(s)) throw Failure(ExitCode::usage, "--service needs a unit name");
}

ExitCode verify_file(const std::string& path, bool json) {
    auto bytes = read_file_bytes(path, 256u << 20);
    if (!bytes) throw Failure(ExitCode::unavailable, bytes.error().message);
    auto l = parse(bytes->view(), false);
    if (!l) throw Failure(ExitCode::integrity, l.error().message);
    const auto r = verify(*l);
    if (json)
        std::cout << nlohmann::json{{"ledger", path}, {"entries", r.entries}, {"chained", r.chained},
                                    {"legacy", r.legacy}, {"problems", r.problems}}
                         .dump()
                  << "\n";
    for (const auto& p : r.problems) log::fail("{}", p);
    if (!r.problems.empty()) return ExitCode::integrity;
    log::ok("{}: {} entries, {} chained and intact, {} legacy (unchained)", path, r.entries, r.chained, r.legacy);
    return ExitCode::ok;
}

} // namespace

ExitCode run(const AppendOptions& in, JobMetrics& metrics) {
    AppendOptions o = in;
    if (o.ledger.empty()) o.ledger = default_ledger();
    if (o.verify) return verify_file(o.ledger, o.json);
    if (!o.rollback_of.empty() && o.outcome.empty()) o.outcome = "ROLLBACK";
    validate(o);
    const std::string dir = std::filesystem::absolute(o.ledger).parent_path().string();

    // One writer at a time: the lock file lives beside the ledger, which is replaced by rename.
    const std::string lock_path = dir + "/." + std::filesystem::path(o.ledger).filename().string() + ".lock";
    UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!lock && !o.dry_run) throw Failure(ExitCode::unavailable, fmt::format("cannot open {}: {}", lock_path, errno_text(errno)));
    if (lock && ::flock(lock.get(), LOCK_EX) != 0)
        throw Failure(ExitCode::unavailable, fmt::format("cannot lock {}: {}", lock_path, errno_text(errno)));

    // Read into memory faulted in up front and written back in pieces around the new entry:
    // at 675 KB for 1,000 entries, a copy of the text cost a page fault per 4 KB.
    auto bytes = read_file_bytes(o.ledger, 256u << 20);
    if (!bytes) throw Failure(ExitCode::usage, fmt::format("cannot read the ledger: {}", bytes.error().message));
    const std::string_view text = bytes->view();
    if (!o.rollback_of.empty() && !has_operation(text, o.rollback_of))
        throw Failure(ExitCode::usage, fmt::format("--rollback-of {}: no such entry in {}", o.rollback_of, o.ledger));
    const int64_t now_us = now_epoch_micros();
    std::string now_iso = iso8601_utc_micros(now_us);
    now_iso = now_iso.substr(0, now_iso.size() - 1) + "+00:00";
    const std::string date = now_iso.substr(0, 10);
    const std::string id = next_operation_id(text, date);
    const auto head = value_or_throw(chain_head(text));
    const std::string body = render_entry(build_fields(o, id, now_iso, dir), head.seq + 1, head.hash);
    const std::string entry_hash = body.substr(body.rfind("entry_hash: \"") + 13, 64);
    const Splice new_text = splice_entry(text, date.substr(0, 7), body, head.seq + 1, entry_hash);

    // The new entry must read back as written, as YAML and in the chain, before anything
    // is replaced. (The rest of the file is copied unchanged; --verify checks all of it.)
    auto check = parse("## " + date.substr(0, 7) + "\n```yaml\n" + body + "```\n", true);
    const bool readable = check && check->entries.size() == 1 && check->entries[0].operation_id == id &&
                          check->entries[0].seq == head.seq + 1 && check->entries[0].prev_hash == head.hash &&
                          check->entries[0].node["entry_hash"].as<std::string>("") == entry_hash &&
                          entry_hash_of(body.substr(0, body.rfind("entry_hash: "))) == entry_hash &&
                          new_text.size() > text.size() + body.size();
    if (!readable) throw Failure(ExitCode::unavailable, "internal error: the new entry does not read back; nothing written");

    if (o.json) {
        nlohmann::json j{{"operation_id", id}, {"ledger", o.ledger}, {"dry_run", o.dry_run}, {"entry_hash", entry_hash}};
        j["entry"] = YAML::Dump(YAML::Load(body));
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
    value_or_throw(write_file_atomic(o.ledger, new_text.views(), mode));
    // The old entries and the one inserted among them.
    metrics.gauge("quantum_ops_ledger_entries", "Entries in the ops ledger.", static_cast<double>(count_entries(text) + 1));
    log::ok("{} appended to {} (chain seq {})", id, o.ledger, head.seq + 1);
    if (o.git_tag) {
        std::string tag = "ops-" + id.substr(4);
        for (auto& ch : tag) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
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

} // namespace qops::ledger
