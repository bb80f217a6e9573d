#pragma once
// What audit-log and ops-ledger-append share about checkpoints: the verifier keys, the
// verifier's state directory, the checkpoint files given to verify, and the report.

#include "base/env.hpp"
#include "base/error.hpp"
#include "base/file.hpp"
#include "commands/log.hpp"
#include "commands/message_ids.hpp"
#include "crypto/base64.hpp"
#include "crypto/checkpoint_check.hpp"
#include "crypto/note.hpp"
#include "redis/client.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qops::commands {

inline constexpr size_t k_max_problems_logged = 1000;
inline constexpr size_t k_max_checkpoint_file_bytes = 64 * 1024;

struct VerifierKeys {
    std::vector<crypto::VerifierKey> keys; // empty: none configured
    std::string file;
};

// --verifier-keys, else $QUANTUM_VERIFIER_KEYS, else default_file when it exists. A file
// named explicitly must exist (usage error).
inline VerifierKeys load_verifier_keys_for(const std::string& flag, const std::string& default_file) {
    VerifierKeys v;
    v.file = !flag.empty() ? flag : env_or("QUANTUM_VERIFIER_KEYS", "");
    const bool explicit_file = !v.file.empty();
    if (!explicit_file) {
        if (::access(default_file.c_str(), F_OK) != 0) return v;
        v.file = default_file;
    }
    auto keys = crypto::load_verifier_keys(v.file);
    if (!keys) {
        if (keys.error().kind == ErrorKind::not_found)
            throw Failure(usage_error(fmt::format("verifier keys file {} does not exist", v.file)));
        throw Failure(keys.error());
    }
    if (keys->empty()) throw Failure(usage_error(fmt::format("verifier keys file {} lists no key", v.file)));
    v.keys = std::move(*keys);
    return v;
}

// --state-dir, else $QUANTUM_VERIFIER_STATE_DIR, else $STATE_DIRECTORY or /var/lib/quantum.
inline std::string verifier_state_dir(const std::string& flag) {
    if (!flag.empty()) return flag;
    return env_or("QUANTUM_VERIFIER_STATE_DIR", state_directory("/var/lib/quantum"));
}

// The checkpoint files given with --checkpoint. Errors (usage): one cannot be read.
inline std::vector<crypto::CheckpointInput> read_checkpoint_files(const std::vector<std::string>& files) {
    std::vector<crypto::CheckpointInput> out;
    for (const auto& f : files) {
        auto text = read_file(f, k_max_checkpoint_file_bytes);
        if (!text) throw Failure(usage_error(fmt::format("cannot read checkpoint {}: {}", f, text.error().message)));
        out.push_back({f, *text, false});
    }
    return out;
}

// One FAIL line per problem ("<file> line N: kind: detail"), at most k_max_problems_logged.
inline void log_problems(const std::string& path, const char* unit, const std::vector<crypto::Problem>& problems) {
    for (size_t i = 0; i < problems.size() && i < k_max_problems_logged; ++i) {
        const auto& p = problems[i];
        if (!p.file.empty() && p.file_line > 0)
            log::fail("{} {} {} ({} {} of the log): {}: {}", p.file, unit, p.file_line, unit, p.line, p.kind, p.detail);
        else if (p.line == 0 || !p.file.empty())
            log::fail("{}: {}: {}", p.file.empty() ? path : p.file, p.kind, p.detail);
        else
            log::fail("{} {} {}: {}: {}", path, unit, p.line, p.kind, p.detail);
    }
    if (problems.size() > k_max_problems_logged)
        log::fail("{}: {} more problems (--json lists them all)", path, problems.size() - k_max_problems_logged);
}

inline nlohmann::json problems_json(const std::vector<crypto::Problem>& problems) {
    auto out = nlohmann::json::array();
    for (const auto& p : problems)
        if (p.file.empty())
            out.push_back({{"line", p.line}, {"kind", p.kind}, {"detail", p.detail}});
        else
            out.push_back({{"line", p.line},
                           {"kind", p.kind},
                           {"detail", p.detail},
                           {"file", p.file},
                           {"file_line", p.file_line}});
    return out;
}

inline nlohmann::json checkpoints_json(const std::vector<crypto::CheckedCheckpoint>& checkpoints) {
    auto out = nlohmann::json::array();
    for (const auto& c : checkpoints)
        out.push_back({{"source", c.source},
                       {"origin", c.body.origin},
                       {"size", c.body.size},
                       {"authenticated", c.authenticated},
                       {"consistent", c.consistent}});
    return out;
}

// Records the largest checkpoint this verify accepted; a failure is a WARN (the verify
// itself stands).
inline void record_accepted(const std::string& state_dir, const std::optional<crypto::CheckpointBody>& largest) {
    if (!largest) return;
    if (auto r = crypto::record_accepted_checkpoint(state_dir, *largest); !r)
        log::warn("the accepted checkpoint is not recorded in {}: {}, ignoring", state_dir, r.error().message);
}

inline constexpr const char* k_checkpoint_stream = "quantum:stream:checkpoints";
inline constexpr size_t k_checkpoint_stream_maxlen = 100000;

// The Redis a checkpoint is witnessed in: --redis, else $QUANTUM_REDIS_URL; empty (no
// witnessing) when neither is set, so a shell append on a host without Redis stays quiet.
inline std::string witness_url(const std::string& redis_flag) {
    return !redis_flag.empty() ? redis_flag : env_or("QUANTUM_REDIS_URL", "");
}

// Publishes a new checkpoint to quantum:stream:checkpoints (origin, size, root, note), best
// effort: a Redis that is down or refuses is a WARN and the append stands. True when stored.
inline bool witness_checkpoint(const std::string& url, const std::string& note, const std::string& client_name) {
    if (url.empty()) return false;
    auto body = crypto::checkpoint_body_of(note);
    if (!body) return false;
    auto client = redis::connect_url(url, {redis::timeout_from_env(), client_name});
    Result<redis::Reply> r =
        client
            ? client->command({"XADD", k_checkpoint_stream, "MAXLEN", "~", std::to_string(k_checkpoint_stream_maxlen),
                               "*", "origin", body->origin, "size", std::to_string(body->size), "root",
                               crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(body->root.data()),
                                                                      body->root.size())),
                               "note", note})
            : Result<redis::Reply>(client.error());
    if (!r) {
        log::event(log::Level::warn, ids::checkpoint_witness_failed,
                   {{"QUANTUM_CHECKPOINT_ORIGIN", body->origin}, {"QUANTUM_CHECKPOINT_SIZE", body->size}},
                   "checkpoint {} of {} not published to {}: {}, ignoring", body->size, body->origin,
                   k_checkpoint_stream, r.error().message);
        return false;
    }
    log::event(log::Level::info, ids::checkpoint_published,
               {{"QUANTUM_CHECKPOINT_ORIGIN", body->origin}, {"QUANTUM_CHECKPOINT_SIZE", body->size}},
               "checkpoint {} of {} published to {}", body->size, body->origin, k_checkpoint_stream);
    return true;
}

} // namespace qops::commands
