#include "policy/accepted.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/file_lock.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <fmt/format.h>

namespace qops::policy {
namespace {

constexpr size_t k_max_state_bytes = 4096;

std::string state_path(const std::string& dir) {
    return dir + "/" + k_accepted_file;
}

Result<void> check(const Accepted& before, int64_t seq, const std::string& hash) {
    if (seq < before.seq)
        return integrity_error(fmt::format("policy rollback: policy_seq {} is lower than {} accepted before "
                                           "(a replay of an older signed policy?)",
                                           seq, before.seq));
    if (seq == before.seq && hash != before.hash)
        return integrity_error(fmt::format("policy equivocation: policy_seq {} was accepted before with hash {}, "
                                           "now it comes with hash {}",
                                           seq, before.hash.substr(0, 16), hash.substr(0, 16)));
    return {};
}

} // namespace

Result<Accepted> read_accepted(const std::string& state_dir) {
    const std::string path = state_path(state_dir);
    auto text = read_file(path, k_max_state_bytes);
    if (!text) {
        if (text.error().kind == ErrorKind::not_found) return Accepted{};
        return unavailable(fmt::format("policy reader state: {}", text.error().message), text.error().kind);
    }
    // "<seq> <hash>\n"
    Accepted a;
    const std::string& t = *text;
    const size_t sp = t.find(' ');
    const auto [end, ec] = std::from_chars(t.data(), t.data() + (sp == std::string::npos ? 0 : sp), a.seq);
    if (sp == std::string::npos || ec != std::errc() || end != t.data() + sp || a.seq < 1 || !t.ends_with('\n'))
        return integrity_error(fmt::format("policy reader state {} is garbled; remove it only after checking the "
                                           "current policy's seq by hand",
                                           path));
    a.hash = t.substr(sp + 1, t.size() - sp - 2);
    return a;
}

Result<void> check_and_record(const std::string& state_dir, int64_t seq, const std::string& hash) {
    auto before = read_accepted(state_dir);
    if (!before) return before.error();
    if (auto c = check(*before, seq, hash); !c) return c;
    if (seq == before->seq) return {}; // the common case: nothing new, nothing written

    if (::mkdir(state_dir.c_str(), 0750) != 0 && errno != EEXIST)
        return unavailable(
            fmt::format("cannot create the policy reader state directory {}: {}", state_dir, errno_text(errno)));
    // Not secret (a seq and a hash): readable by the other readers of the directory, so
    // that they see the mark even when another user moved it.
    auto lock = FileLock::acquire(state_path(state_dir) + ".lock", 0664);
    if (!lock) return lock.error();
    // Another reader may have moved on meanwhile: decide again under the lock.
    before = read_accepted(state_dir);
    if (!before) return before.error();
    if (auto c = check(*before, seq, hash); !c) return c;
    if (seq == before->seq) return {};
    return with_context(write_file_atomic(state_path(state_dir), fmt::format("{} {}\n", seq, hash), 0644),
                        "policy reader state");
}

} // namespace qops::policy
