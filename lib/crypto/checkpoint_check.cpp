#include "crypto/checkpoint_check.hpp"

#include "base/atomic_file.hpp"
#include "base/env.hpp"
#include "base/file.hpp"
#include "base/file_lock.hpp"
#include "crypto/base64.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <map>

namespace qops::crypto {
namespace {

constexpr size_t k_max_state_bytes = 1u << 20;
constexpr std::string_view k_blank_line = "\n\n";

std::string root_text(const Hash& h) {
    return base64_encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string state_path(const std::string& dir) {
    return dir + "/" + k_accepted_checkpoints_file;
}

// origin -> its largest accepted checkpoint
using AcceptedMap = std::map<std::string, CheckpointBody>;

Result<AcceptedMap> read_state(const std::string& dir) {
    const std::string path = state_path(dir);
    auto text = read_file(path, k_max_state_bytes);
    AcceptedMap out;
    if (!text) {
        if (text.error().kind == ErrorKind::not_found) return out;
        return unavailable(fmt::format("verifier state: {}", text.error().message), text.error().kind);
    }
    std::string_view t = *text;
    while (!t.empty()) {
        const size_t nl = t.find('\n');
        if (nl == std::string_view::npos) return integrity_error(fmt::format("verifier state {} is garbled", path));
        const std::string_view line = t.substr(0, nl);
        t.remove_prefix(nl + 1);
        // "<origin> <size> <root>": the origin has no spaces (it is a key name).
        const size_t a = line.find(' ');
        const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
        if (b == std::string_view::npos) return integrity_error(fmt::format("verifier state {} is garbled", path));
        std::string body =
            fmt::format("{}\n{}\n{}\n", line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1));
        auto cp = parse_checkpoint_body(body);
        if (!cp) return integrity_error(fmt::format("verifier state {} is garbled: {}", path, cp.error().message));
        out[cp->origin] = *cp;
    }
    return out;
}

} // namespace

CheckpointCheck::CheckpointCheck(const std::vector<CheckpointInput>& inputs, const std::vector<VerifierKey>& keys) {
    for (const auto& in : inputs) {
        CheckedCheckpoint c;
        c.source = in.source;
        const size_t blank = in.note.find(k_blank_line);
        const bool is_note = blank != std::string::npos;
        std::string text = is_note ? in.note.substr(0, blank + 1) : in.note;
        auto body = parse_checkpoint_body(text);
        if (!body) {
            m_problems.emplace_back(0, "unreadable checkpoint", fmt::format("{}: {}", in.source, body.error().message));
            continue;
        }
        c.body = *body;
        if (in.trusted_state) {
            c.authenticated = true;
            c.trusted_state = true;
        } else if (!keys.empty()) {
            if (!is_note) {
                m_problems.emplace_back(0, "unsigned checkpoint",
                                        fmt::format("{} is not signed (appended without a signing key?)", in.source));
            } else if (auto opened = open_note(in.note, keys); !opened) {
                m_problems.emplace_back(0, "bad signature", fmt::format("{}: {}", in.source, opened.error().message));
            } else if (std::none_of(opened->signers.begin(), opened->signers.end(),
                                    [&](const VerifierKey& k) { return k.name == c.body.origin; })) {
                m_problems.emplace_back(0, "unlisted signer",
                                        fmt::format("{}: no listed key named {} signed it", in.source, c.body.origin));
            } else {
                c.authenticated = true;
            }
        }
        if (!m_checkpoints.empty() && c.body.origin != m_checkpoints.front().body.origin) {
            m_problems.emplace_back(0, "other origin",
                                    fmt::format("{} is a checkpoint of {}, not of {}", in.source, c.body.origin,
                                                m_checkpoints.front().body.origin));
            continue;
        }
        for (const auto& other : m_checkpoints)
            if (other.body.size == c.body.size && other.body.root != c.body.root)
                m_problems.emplace_back(
                    c.body.size, "equivocation",
                    fmt::format("{} and {} are two checkpoints of {} at size {} with different roots ({} and {})",
                                other.source, in.source, c.body.origin, c.body.size, root_text(other.body.root),
                                root_text(c.body.root)));
        m_checkpoints.push_back(std::move(c));
    }
    for (size_t i = 0; i < m_checkpoints.size(); ++i)
        m_order.push_back(i);
    std::stable_sort(m_order.begin(), m_order.end(),
                     [&](size_t a, size_t b) { return m_checkpoints[a].body.size < m_checkpoints[b].body.size; });
    check_due();
}

void CheckpointCheck::check_due() {
    while (m_next < m_order.size() && m_checkpoints[m_order[m_next]].body.size == m_frontier.size()) {
        auto& c = m_checkpoints[m_order[m_next++]];
        if (m_frontier.root() == c.body.root) {
            c.consistent = true;
        } else {
            m_problems.emplace_back(
                c.body.size, "rewritten",
                fmt::format("entries 1-{} do not hash to the root of {} (size {}): an entry at or before "
                            "it was changed, removed or inserted",
                            c.body.size, c.source, c.body.size));
        }
    }
}

void CheckpointCheck::add_leaf(const Hash& leaf) {
    m_frontier.append(leaf);
    if (m_next < m_order.size()) check_due();
}

void CheckpointCheck::restart_at(const Frontier& from) {
    m_frontier = from;
    for (; m_next < m_order.size() && m_checkpoints[m_order[m_next]].body.size < from.size(); ++m_next)
        ++m_skipped;
    check_due();
}

void CheckpointCheck::finish() {
    for (; m_next < m_order.size(); ++m_next) {
        const auto& c = m_checkpoints[m_order[m_next]];
        m_problems.emplace_back(m_frontier.size() + 1, "truncated",
                                fmt::format("the log ends after {} entries but {} names {} (entries removed)",
                                            m_frontier.size(), c.source, c.body.size));
    }
}

std::optional<CheckpointBody> CheckpointCheck::largest_consistent() const {
    std::optional<CheckpointBody> best;
    for (const auto& c : m_checkpoints)
        if (c.authenticated && c.consistent && (!best || c.body.size > best->size)) best = c.body;
    return best;
}

Result<std::string> checkpoint_note(const CheckpointBody& body, const SigningKey* key) {
    if (!valid_key_name(body.origin))
        return usage_error(fmt::format("checkpoint origin {:?} is not a key name "
                                       "(no spaces or '+')",
                                       body.origin));
    if (!key) return body.text();
    return sign_note(body.text(), body.origin, *key);
}

Result<CheckpointBody> checkpoint_body_of(std::string_view note) {
    const size_t blank = note.find(k_blank_line);
    return parse_checkpoint_body(blank == std::string_view::npos ? note : note.substr(0, blank + 1));
}

Result<std::optional<CheckpointBody>> read_accepted_checkpoint(const std::string& state_dir,
                                                               const std::string& origin) {
    auto m = read_state(state_dir);
    if (!m) return m.error();
    const auto it = m->find(origin);
    if (it == m->end()) return std::optional<CheckpointBody>();
    return std::optional<CheckpointBody>(it->second);
}

Result<std::optional<CheckpointInput>> accepted_input(const std::string& state_dir,
                                                      const std::vector<CheckpointInput>& inputs) {
    for (const auto& in : inputs) {
        auto body = checkpoint_body_of(in.note);
        if (!body) continue;
        auto accepted = read_accepted_checkpoint(state_dir, body->origin);
        if (!accepted) return accepted.error();
        if (!*accepted) return std::optional<CheckpointInput>();
        return std::optional<CheckpointInput>(
            CheckpointInput{"the checkpoint accepted before (" + state_dir + ")", (*accepted)->text(), true});
    }
    return std::optional<CheckpointInput>();
}

Result<void> record_accepted_checkpoint(const std::string& state_dir, const CheckpointBody& body) {
    auto decide = [&](const AcceptedMap& m) -> Result<bool> {
        const auto it = m.find(body.origin);
        if (it == m.end()) return true;
        if (it->second.size == body.size && it->second.root != body.root)
            return integrity_error(fmt::format("equivocation: {} was accepted before at size {} with root {}, now {}",
                                               body.origin, body.size, root_text(it->second.root),
                                               root_text(body.root)));
        return body.size > it->second.size;
    };
    auto before = read_state(state_dir);
    if (!before) return before.error();
    auto d = decide(*before);
    if (!d) return d.error();
    if (!*d) return {};
    if (::mkdir(state_dir.c_str(), 0750) != 0 && errno != EEXIST)
        return unavailable(
            fmt::format("cannot create the verifier state directory {}: {}", state_dir, errno_text(errno)));
    auto lock = FileLock::acquire(state_path(state_dir) + ".lock", 0664);
    if (!lock) return lock.error();
    before = read_state(state_dir); // another verifier may have moved on meanwhile
    if (!before) return before.error();
    d = decide(*before);
    if (!d) return d.error();
    if (!*d) return {};
    (*before)[body.origin] = body;
    std::string out;
    for (const auto& [origin, cp] : *before)
        out += fmt::format("{} {} {}\n", origin, cp.size, root_text(cp.root));
    // Not secret: readable by the other verifiers of the host.
    return with_context(write_file_atomic(state_path(state_dir), out, 0644), "verifier state");
}

Result<std::optional<SigningKey>> load_optional_signing_key(const char* env_var, const std::string& credential) {
    if (!env(env_var)) {
        // An empty credential is the units' default (SetCredential=) for a host without a key.
        const auto cred = credential_path(credential);
        struct stat st {};
        if (!cred || (::stat(cred->c_str(), &st) == 0 && st.st_size == 0)) return std::optional<SigningKey>();
    }
    auto key = SigningKey::load_from_env_or_credential(env_var, credential);
    if (!key) return key.error();
    return std::optional<SigningKey>(std::move(*key));
}

} // namespace qops::crypto
