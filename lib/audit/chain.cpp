#include "audit/log.hpp"

#include "audit/segments.hpp"
#include "base/atomic_file.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/file_lock.hpp"
#include "base/host.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "crypto/hex.hpp"
#include "crypto/hmac.hpp"
#include "crypto/sha256.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fmt/format.h>
#include <limits>

// Appends, the tree state and its checkpoint, rescan and verification.
namespace qops::audit {
namespace {

constexpr size_t k_max_note_bytes = 64 * 1024;
constexpr size_t k_max_tree_state_bytes = 8 * 1024;
constexpr std::string_view k_legacy_extension = "legacy ";

using crypto::Problem;

std::string lock_path(const std::string& log) {
    return log + ".lock";
}

// The log for appending, created (0640) when missing.
Result<UniqueFd> open_log(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) return unavailable(fmt::format("cannot open {}: {}", path, errno_text(errno)), ErrorKind::io);
    return fd;
}

// The number of legacy lines a checkpoint allows at the log's start: its "legacy N"
// extension when it also covers chained lines; none (max) when it names only legacy lines.
uint64_t legacy_allowed(const crypto::CheckpointBody& body) {
    uint64_t legacy = 0;
    for (const auto& e : body.extensions)
        if (e.starts_with(k_legacy_extension)) {
            const std::string_view n = std::string_view(e).substr(k_legacy_extension.size());
            std::from_chars(n.data(), n.data() + n.size(), legacy);
        }
    return legacy < body.size ? legacy : std::numeric_limits<uint64_t>::max();
}

crypto::CheckpointBody body_of(const TreeState& s, const std::string& origin) {
    auto b = crypto::CheckpointBody::of_tree(origin, s.frontier);
    if (s.legacy > 0) b.extensions.push_back(fmt::format("{}{}", k_legacy_extension, s.legacy));
    return b;
}

// Replaces the tree state alone (the tree did not change: the checkpoint stays), owned as
// `like`. Errors: unavailable.
Result<void> store_tree(const std::string& path, const TreeState& s, const std::string& like) {
    if (auto w = write_file_atomic(tree_path(path), s.serialize() + "\n", 0640); !w)
        return with_context(std::move(w), "cannot write the tree state");
    match_owner(tree_path(path), like);
    return {};
}

// Stores the tree state, then the checkpoint it names. Errors: usage (origin), unavailable.
Result<std::string> store(const std::string& path, const TreeState& s, const AppendOptions& o) {
    auto note = crypto::checkpoint_note(body_of(s, o.origin.empty() ? default_origin() : o.origin), o.key);
    if (!note) return note.error();
    if (auto w = store_tree(path, s, path); !w) return w.error();
    // Public: the checkpoint is what witnesses and quantum-status read.
    if (auto w = write_file_atomic(checkpoint_path(path), *note, 0644); !w)
        return with_context(Result<std::string>(w.error()), "cannot write the checkpoint");
    match_owner(checkpoint_path(path), path);
    return note;
}

bool chain_ok(const std::string& legacy_key, std::string_view prev, const LineView& v, crypto::Sha256& h) {
    const crypto::Digest d = h.update(prev).update(v.text).digest();
    if (crypto::to_hex(d.data(), d.size()) == *v.chain) return true;
    return !legacy_key.empty() && chain_value(legacy_key, prev, v.text) == *v.chain;
}

// What a walk over the log's lines found (across its files).
struct Walk {
    uint64_t lines = 0;
    uint64_t legacy = 0;
    uint64_t chained = 0;
    std::string chain = k_zero_chain;
    std::vector<Problem> problems;
    uint64_t expired = 0; // entries of rotated files removed by retention
    std::vector<std::string> files;
};

// The file a walk is in: its name in problems (empty: the log, not rotated), and the
// entries of the log before it.
struct InFile {
    std::string file;
    uint64_t before = 0;
};

// Checks every complete line of [0, end) of fd and feeds it to check as a leaf; a cut-off
// last line is a problem and no leaf.
Result<void> walk(int fd, uint64_t end, const std::string& legacy_key, uint64_t legacy_limit,
                  crypto::CheckpointCheck& check, const InFile& in, Walk& w) {
    crypto::Sha256 h; // one context for every line's chain value
    auto problem = [&](uint64_t line, const char* kind, std::string detail) {
        w.problems.emplace_back(line, kind, std::move(detail), in.file, in.file.empty() ? 0 : line - in.before);
    };
    auto on_line = [&](std::string_view line) {
        ++w.lines;
        check.add_leaf(crypto::leaf_hash(line));
        const auto v = view_line(line);
        if (!v) {
            problem(w.lines, "not an entry", "not an audit entry");
            return;
        }
        if (!v->chain) {
            if (w.chained > 0)
                problem(w.lines, "unchained",
                        "an unchained line after chained entries (inserted, or its chain value removed)");
            else if (w.legacy >= legacy_limit)
                problem(w.lines, "unchained",
                        fmt::format("unchained, but the signed checkpoint has {} legacy lines at the start "
                                    "(its chain value removed?)",
                                    legacy_limit));
            else
                ++w.legacy;
            return;
        }
        if (!chain_ok(legacy_key, w.chain, *v, h))
            problem(w.lines, "chain mismatch",
                    "this line was edited, or a line before it was deleted, moved or inserted");
        w.chain.assign(*v->chain);
        ++w.chained;
    };
    auto rest = for_each_line(fd, 0, end, on_line);
    if (!rest) return rest.error();
    if (!rest->empty()) problem(w.lines + 1, "cut off", "the last line is cut off (no newline: truncated file)");
    return {};
}

// Takes the walk on from a recorded tree state (a rotated file not read).
void continue_from(const TreeState& s, crypto::CheckpointCheck& check, Walk& w) {
    w.lines = s.frontier.size();
    w.legacy = s.legacy;
    w.chained = w.lines - s.legacy;
    w.chain = s.chain;
    check.restart_at(s.frontier);
}

// Walks the rotated files, oldest first, then [0, live_end) of the log open as live (-1:
// there is none). Rotated files removed from the oldest end (retention) are skipped from
// their recorded state; one missing after a present one is a problem.
Result<Walk> walk_all(const std::string& path, const std::vector<Segment>& segments, int live, uint64_t live_end,
                      const std::string& legacy_key, uint64_t legacy_limit, crypto::CheckpointCheck& check) {
    Walk w;
    bool present = false;
    for (size_t i = 0; i < segments.size(); ++i) {
        const Segment& s = segments[i];
        auto fd = open_read(s.path);
        if (!fd) {
            if (fd.error().kind != ErrorKind::not_found) return fd.error();
            if (present)
                w.problems.emplace_back(w.lines + 1, "missing file",
                                        fmt::format("{} (entries {}-{}) is gone, but older rotated files are there: "
                                                    "removed or renamed",
                                                    s.path, w.lines + 1, s.end.frontier.size()),
                                        s.path, 0);
            else
                w.expired = s.end.frontier.size();
            continue_from(s.end, check, w);
            continue;
        }
        present = true;
        w.files.push_back(s.path);
        if (auto r = walk(fd->get(), file_size(fd->get()), legacy_key, legacy_limit, check, {s.path, w.lines}, w); !r)
            return r.error();
        std::string changed;
        if (w.lines != s.end.frontier.size())
            changed = fmt::format("{} ends at entry {}, but {} recorded entry {} when it was rotated", s.path, w.lines,
                                  segments_path(path), s.end.frontier.size());
        else if (w.chain != s.end.chain || check.frontier().root() != s.end.frontier.root())
            changed = fmt::format("{} does not hash to the tree {} recorded when it was rotated (edited)", s.path,
                                  segments_path(path));
        if (!changed.empty()) {
            w.problems.emplace_back(w.lines, "rotated file changed", std::move(changed), s.path, 0);
            continue_from(s.end, check, w); // on from the recorded state: each file judged on its own lines
        }
    }
    if (live >= 0) {
        w.files.push_back(path);
        if (auto r = walk(live, live_end, legacy_key, legacy_limit, check,
                          {segments.empty() ? std::string() : path, w.lines}, w);
            !r)
            return r.error();
    }
    return w;
}

// Whether the last rotated file recorded is the one state describes (a rotation recorded,
// the tree state not reset yet).
bool recorded_last(const std::vector<Segment>& segments, const TreeState& state) {
    return !segments.empty() && same_tree(segments.back().end, state);
}

// The entries of the last rotated file recorded.
uint64_t lines_of_last(const std::vector<Segment>& segments) {
    const uint64_t before = segments.size() > 1 ? segments[segments.size() - 2].end.frontier.size() : 0;
    return segments.back().end.frontier.size() - before;
}

enum class Settled {
    no,       // not a rotation
    finished, // a rotation recorded before; the tree state is reset now
    recorded, // a renamed file (logrotate, or rotate() interrupted) is recorded now
};

// The log is empty but its tree state describes bytes: when it was rotated (by rotate(),
// interrupted after the rename, or by logrotate renaming it), records the rotated file if
// need be and sets state to the empty new file.
Result<Settled> settle_rotation(const std::string& path, TreeState& state) {
    auto segments = read_segments(path);
    if (!segments) return segments.error();
    Settled how = Settled::finished;
    if (!recorded_last(*segments, state)) {
        auto renamed = find_renamed(path, state, *segments);
        if (!renamed) return renamed.error();
        if (!*renamed) return Settled::no;
        segments->push_back({**renamed, state});
        if (auto w = write_segments(path, *segments); !w) return w.error();
        how = Settled::recorded;
    }
    state.bytes = 0;
    if (auto w = store_tree(path, state, segments->back().path); !w) return w.error();
    return how;
}

// The file logrotate renamed the log to a moment ago, not recorded yet (its postrotate
// has not run): verify reads it where it is, and records nothing.
std::optional<Segment> unrecorded_rename(const std::string& path, const std::vector<Segment>& segments) {
    auto text = read_file(tree_path(path), k_max_tree_state_bytes);
    if (!text) return std::nullopt;
    auto state = TreeState::parse(*text);
    if (!state || state->bytes == 0 || recorded_last(segments, *state)) return std::nullopt;
    auto renamed = find_renamed(path, *state, segments);
    if (!renamed || !*renamed) return std::nullopt;
    return Segment{**renamed, std::move(*state)};
}

// The tree state of a log brought up to its end, and how.
struct Current {
    TreeState state;
    uint64_t recovered = 0; // a line an interrupted writer left after the state, taken in
    bool recorded = false;  // a renamed file was recorded (settle_rotation)
};

// The tree state of the log open as fd, brought up to the log's end. A line an
// interrupted writer left after the state is taken in when it continues the chain.
Result<Current> current_state(const std::string& path, int fd) {
    const uint64_t size = file_size(fd);
    auto text = read_file(tree_path(path), k_max_tree_state_bytes);
    if (!text) {
        if (text.error().kind != ErrorKind::not_found) return text.error();
        if (size == 0) return Current{};
        return integrity_error(fmt::format("{} has no tree state {}: a first-edition log, or the state was removed; "
                                           "check it with `audit-log verify`, then run `audit-log rescan`",
                                           path, tree_path(path)));
    }
    auto state = TreeState::parse(*text);
    if (!state) return with_context(std::move(state), tree_path(path)).error();
    if (state->bytes == size) return Current{std::move(*state)};
    if (size == 0) {
        auto settled = settle_rotation(path, *state);
        if (!settled) return settled.error();
        if (*settled != Settled::no) return Current{std::move(*state), 0, *settled == Settled::recorded};
    }
    if (size > state->bytes && size - state->bytes <= k_max_line_bytes) {
        crypto::Sha256 h;
        std::string tail(static_cast<size_t>(size - state->bytes), '\0');
        auto n = pread_all(fd, tail.data(), tail.size(), state->bytes);
        if (!n) return n.error();
        const std::string_view line = std::string_view(tail).substr(0, tail.size() - 1);
        const auto v = view_line(line);
        if (*n == tail.size() && tail.back() == '\n' && line.find('\n') == std::string_view::npos && v && v->chain &&
            chain_ok("", state->chain, *v, h)) {
            state->frontier.append(crypto::leaf_hash(line));
            state->chain = std::string(*v->chain);
            state->bytes = size;
            return Current{std::move(*state), 1};
        }
    }
    return integrity_error(fmt::format("{} is {} bytes but its tree state describes {}: written outside audit-log, "
                                       "truncated or restored; check it with `audit-log verify`, then run "
                                       "`audit-log rescan`",
                                       path, size, state->bytes));
}

} // namespace

std::string chain_value(std::string_view key, std::string_view prev, std::string_view text) {
    std::string data;
    data.reserve(prev.size() + text.size());
    data.append(prev);
    data.append(text);
    return key.empty() ? crypto::sha256_hex(data) : crypto::hmac_sha256_hex(key, data);
}

Result<std::string> load_legacy_key() {
    auto from = [](const std::string& p) -> Result<std::string> {
        auto k = read_file(p, 4096);
        if (!k) return with_context(Result<std::string>(k.error()), "cannot read the audit key");
        std::string key = *k;
        while (!key.empty() && (key.back() == '\n' || key.back() == '\r'))
            key.pop_back();
        return key;
    };
    const std::string file = env_or("QT_AUDIT_KEY_FILE", "");
    if (!file.empty()) return from(file);
    if (auto cred = credential_path("audit-key")) return from(*cred);
    return std::string();
}

Result<std::optional<crypto::SigningKey>> load_signing_key() {
    return crypto::load_optional_signing_key("QUANTUM_AUDIT_SIGNING_KEY_FILE", "audit-signing-key");
}

std::string default_origin() {
    return env_or("QUANTUM_CHECKPOINT_ORIGIN", hostname() + "/quantum-ops/audit");
}

std::string checkpoint_path(const std::string& log) {
    return log + ".checkpoint";
}

std::string tree_path(const std::string& log) {
    return log + ".tree";
}

std::string TreeState::serialize() const {
    return fmt::format("{} {} {} {}", bytes, legacy, chain, frontier.serialize());
}

Result<TreeState> TreeState::parse(std::string_view text) {
    if (!text.ends_with('\n')) return integrity_error("tree state: no newline at the end");
    text.remove_suffix(1);
    TreeState s;
    auto number = [&](uint64_t& v) {
        const size_t sp = text.find(' ');
        const auto [end, ec] = std::from_chars(text.data(), text.data() + std::min(sp, text.size()), v);
        if (sp == std::string_view::npos || ec != std::errc() || end != text.data() + sp) return false;
        text.remove_prefix(sp + 1);
        return true;
    };
    if (!number(s.bytes) || !number(s.legacy) || text.size() < 65 || text[64] != ' ')
        return integrity_error("tree state: garbled");
    s.chain = std::string(text.substr(0, 64));
    auto f = crypto::Frontier::parse(text.substr(65));
    if (!f) return f.error();
    s.frontier = std::move(*f);
    if (s.legacy > s.frontier.size()) return integrity_error("tree state: more legacy lines than lines");
    return s;
}

Result<Appended> append(const std::string& path, const std::vector<std::string>& messages,
                        const AppendOptions& options) {
    for (const auto& m : messages)
        if (m.size() > k_max_message_bytes)
            return usage_error(fmt::format("message longer than {} bytes", k_max_message_bytes));
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    // Everything below happens under the lock: the state, the write, the checkpoint. The
    // log is opened under it too, so that a rotation cannot slip in between.
    auto lock = FileLock::acquire(lock_path(path));
    if (!lock) return lock.error();
    auto fd = open_log(path);
    if (!fd) return fd.error();
    Appended out;
    auto current = current_state(path, fd->get());
    if (!current) return current.error();
    out.recovered = current->recovered;
    const TreeState& state = current->state;
    // The line taken in is stored first, so that this append, interrupted too, leaves again
    // one line at most after the state.
    if (out.recovered > 0)
        if (auto r = store(path, state, options); !r) return r.error();
    std::string block;
    TreeState next = state;
    for (const auto& message : messages) {
        const std::string text = fmt::format("[{}] {}", iso8601_utc_micros(now_epoch_micros()), text::escape(message));
        next.chain = chain_value("", next.chain, text);
        std::string line = fmt::format("{}\t#{}", text, next.chain);
        next.frontier.append(crypto::leaf_hash(line));
        block += line;
        block += '\n';
        out.lines.push_back(std::move(line));
    }
    const ssize_t w = ::write(fd->get(), block.data(), block.size());
    if (w != static_cast<ssize_t>(block.size())) {
        const int err = w < 0 ? errno : ENOSPC;
        // Take a partial write (disk full) back out so the log stays whole; if even that
        // fails, verify names the cut-off line.
        const bool cut_back = w <= 0 || ::ftruncate(fd->get(), static_cast<off_t>(state.bytes)) == 0;
        return unavailable(fmt::format("cannot write {}: {}{}", path, errno_text(err),
                                       cut_back ? "" : " (a partial line is left; verify names it)"),
                           ErrorKind::io);
    }
    if (options.sync && ::fdatasync(fd->get()) != 0)
        return unavailable(fmt::format("cannot sync {}: {}", path, errno_text(errno)));
    next.bytes = state.bytes + block.size();
    auto note = store(path, next, options);
    if (!note)
        return unavailable(fmt::format("{} entries written to {}, but {} (the next append refuses: run "
                                       "`audit-log rescan`)",
                                       messages.size(), path, note.error().message));
    out.checkpoint = std::move(*note);
    out.size = next.frontier.size();
    return out;
}

Result<Rotated> rotate(const std::string& path, bool renamed_only) {
    auto lock = FileLock::acquire(lock_path(path));
    if (!lock) return lock.error();
    Current current;
    {
        auto fd = open_log(path);
        if (!fd) return fd.error();
        auto c = current_state(path, fd->get());
        if (!c) return c.error();
        current = std::move(*c);
    }
    TreeState& state = current.state;
    // Taking the line in means a new checkpoint, signed: that is an append's job, and
    // rotate has no key (logrotate's postrotate runs it without one).
    if (current.recovered > 0)
        return unavailable(fmt::format("cannot rotate {}: its last entry was left by an interrupted append, outside "
                                       "the signed checkpoint; the next `audit-log append` takes it in, rotate after "
                                       "that",
                                       path));
    auto segments = read_segments(path);
    if (!segments) return segments.error();
    Rotated out;
    if (current.recorded) { // renamed by logrotate (or a rotation interrupted), recorded now
        out.path = segments->back().path;
        out.lines = lines_of_last(*segments);
        out.renamed = true;
        return out;
    }
    if (renamed_only || state.bytes == 0) return out;
    const std::string target = rotated_name(path, now_epoch_seconds());
    if (::access(target.c_str(), F_OK) == 0)
        return unavailable(fmt::format("cannot rotate {}: {} exists (rotated a moment ago?)", path, target));
    // Renamed first: interrupted after it, the next append or rotate finds the file by its
    // size and last chain value (settle_rotation).
    if (::rename(path.c_str(), target.c_str()) != 0)
        return unavailable(fmt::format("cannot rename {} to {}: {}", path, target, errno_text(errno)), ErrorKind::io);
    if (auto d = fsync_parent_dir(path); !d) return d.error();
    segments->push_back({target, state});
    out.lines = lines_of_last(*segments);
    if (auto w = write_segments(path, *segments); !w) return w.error();
    state.bytes = 0;
    if (auto w = store_tree(path, state, target); !w) return w.error();
    // The new log, as the old one was (its owner: an append as root keeps it).
    UniqueFd fresh(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (fresh) match_owner(path, target);
    out.path = target;
    return out;
}

Result<Rescanned> rescan(const std::string& path, const AppendOptions& options, const std::string& legacy_key) {
    auto lock = FileLock::acquire(lock_path(path));
    if (!lock) return lock.error();
    auto fd = open_read(path);
    if (!fd) return fd.error();
    std::vector<crypto::CheckpointInput> inputs;
    auto stored = read_file(checkpoint_path(path), k_max_note_bytes);
    if (stored)
        inputs.push_back({checkpoint_path(path), *stored, false});
    else if (stored.error().kind != ErrorKind::not_found)
        return stored.error();
    // Consistency with the stored checkpoint only: its signer is verify's business.
    crypto::CheckpointCheck check(inputs, {});
    uint64_t limit = std::numeric_limits<uint64_t>::max();
    for (const auto& c : check.checkpoints())
        limit = std::min(limit, legacy_allowed(c.body));
    auto segments = read_segments(path);
    if (!segments) return segments.error();
    auto w = walk_all(path, *segments, fd->get(), file_size(fd->get()), legacy_key, limit, check);
    if (!w) return w.error();
    check.finish();
    auto problems = w->problems;
    problems.insert(problems.end(), check.problems().begin(), check.problems().end());
    if (!problems.empty())
        return integrity_error(fmt::format("{} line {}: {} ({} problems in all): not rescanned; `audit-log verify` "
                                           "lists them",
                                           path, problems.front().line, problems.front().detail, problems.size()));
    TreeState s;
    s.bytes = file_size(fd->get());
    s.legacy = w->legacy;
    s.chain = w->chain;
    s.frontier = check.frontier();
    Rescanned out;
    out.size = s.frontier.size();
    out.adopted = out.size - (check.checkpoints().empty() ? 0 : check.checkpoints().front().body.size);
    auto note = store(path, s, options);
    if (!note) return note.error();
    out.checkpoint = std::move(*note);
    ::unlink((path + ".head").c_str()); // the first edition's head record
    return out;
}

Result<VerifyReport> verify(const std::string& path, const VerifyOptions& options) {
    VerifyReport rep;
    rep.authenticated = !options.keys.empty();
    std::vector<crypto::CheckpointInput> inputs;
    uint64_t end = 0;
    std::vector<Segment> segments;
    std::optional<UniqueFd> fd;
    {
        // The files, the stored checkpoint and the size it describes, read together; an
        // auditor who cannot take the lock reads them without it.
        auto lock = FileLock::acquire(lock_path(path));
        auto listed = read_segments(path);
        if (!listed) return listed.error();
        segments = std::move(*listed);
        auto live = open_read(path);
        if (live)
            fd = std::move(*live);
        else if (live.error().kind != ErrorKind::not_found || segments.empty()) // a rotated log may be between files
            return live.error();
        auto stored = read_file(checkpoint_path(path), k_max_note_bytes);
        if (stored) {
            rep.stored_checkpoint = true;
            inputs.push_back({checkpoint_path(path), *stored, false});
        } else if (stored.error().kind != ErrorKind::not_found) {
            return stored.error();
        }
        if (fd) end = file_size(fd->get());
        if (end == 0)
            if (auto renamed = unrecorded_rename(path, segments)) segments.push_back(std::move(*renamed));
    }
    inputs.insert(inputs.end(), options.checkpoints.begin(), options.checkpoints.end());
    if (!options.state_dir.empty()) {
        auto accepted = crypto::accepted_input(options.state_dir, inputs);
        if (!accepted) {
            if (accepted.error().code != ExitCode::integrity) return accepted.error();
            rep.problems.emplace_back(0, "garbled state", accepted.error().message);
        } else if (*accepted) {
            inputs.push_back(std::move(**accepted));
        }
    }
    crypto::CheckpointCheck check(inputs, options.keys);
    uint64_t limit = std::numeric_limits<uint64_t>::max();
    for (const auto& c : check.checkpoints())
        if (!c.trusted_state && (c.authenticated || !rep.authenticated))
            limit = std::min(limit, legacy_allowed(c.body));
    auto w = walk_all(path, segments, fd ? fd->get() : -1, end, options.legacy_key, limit, check);
    if (!w) return w.error();
    check.finish();
    rep.expired = w->expired;
    rep.files = w->files;
    rep.lines = w->lines;
    rep.legacy = w->legacy;
    rep.chained = w->chained;
    rep.problems.insert(rep.problems.end(), w->problems.begin(), w->problems.end());
    rep.problems.insert(rep.problems.end(), check.problems().begin(), check.problems().end());
    rep.checkpoints = check.checkpoints();
    uint64_t covered = 0;
    for (const auto& c : rep.checkpoints)
        if (c.consistent && (c.authenticated || !rep.authenticated)) covered = std::max(covered, c.body.size);
    if (rep.authenticated) rep.largest = check.largest_consistent();
    if (inputs.empty() && rep.lines > 0)
        rep.problems.emplace_back(0, "no checkpoint",
                                  fmt::format("no checkpoint {}: removed, or a first-edition log (`audit-log rescan`, "
                                              "ops/UPGRADE.md)",
                                              checkpoint_path(path)));
    else if (rep.stored_checkpoint && covered < rep.lines && check.problems().empty())
        rep.problems.emplace_back(
            covered + 1, "uncovered",
            fmt::format("lines {}-{} are in no checkpoint (appended outside audit-log?)", covered + 1, rep.lines));
    else if (covered < rep.lines)
        rep.unchecked_tail = rep.lines - covered;
    std::stable_sort(rep.problems.begin(), rep.problems.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    return rep;
}

} // namespace qops::audit
