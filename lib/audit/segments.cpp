#include "audit/segments.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/time.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace qops::audit {
namespace {

constexpr size_t k_max_segments_bytes = 16u << 20;

std::string dir_of(const std::string& log) {
    const auto dir = std::filesystem::path(log).parent_path().string();
    return dir.empty() ? "." : dir;
}

std::string name_of(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

// The last line of the file (without its newline) when it is a chained entry: its chain.
std::optional<std::string> last_chain(const std::string& path, uint64_t size) {
    auto fd = open_read(path);
    if (!fd || size < 2) return std::nullopt;
    const uint64_t take = std::min<uint64_t>(size, k_max_line_bytes + 1);
    std::string tail(static_cast<size_t>(take), '\0');
    auto n = pread_all(fd->get(), tail.data(), tail.size(), size - take);
    if (!n || *n != tail.size() || tail.back() != '\n') return std::nullopt;
    tail.pop_back();
    const auto nl = tail.rfind('\n');
    const auto v = view_line(std::string_view(tail).substr(nl == std::string::npos ? 0 : nl + 1));
    if (!v || !v->chain) return std::nullopt;
    return std::string(*v->chain);
}

} // namespace

std::string segments_path(const std::string& log) {
    return log + ".segments";
}

bool same_tree(const TreeState& a, const TreeState& b) {
    return a.bytes == b.bytes && a.chain == b.chain && a.frontier.size() == b.frontier.size() &&
           a.frontier.root() == b.frontier.root();
}

Result<std::vector<Segment>> read_segments(const std::string& log) {
    std::vector<Segment> out;
    auto text = read_file(segments_path(log), k_max_segments_bytes);
    if (!text) {
        if (text.error().kind == ErrorKind::not_found) return out;
        return text.error();
    }
    const std::string dir = dir_of(log);
    std::string_view rest = *text;
    for (uint64_t n = 1; !rest.empty(); ++n) {
        const auto nl = rest.find('\n');
        const auto sp = rest.find(' ');
        if (nl == std::string_view::npos || sp == 0 || sp > nl)
            return integrity_error(fmt::format("{} line {}: garbled", segments_path(log), n));
        const std::string name(rest.substr(0, sp));
        auto state = TreeState::parse(rest.substr(sp + 1, nl - sp));
        if (!state) return with_context(std::move(state), fmt::format("{} line {}", segments_path(log), n)).error();
        if (name.find('/') != std::string::npos || name == "." || name == ".." ||
            (!out.empty() && state->frontier.size() < out.back().end.frontier.size()))
            return integrity_error(fmt::format("{} line {}: garbled", segments_path(log), n));
        out.push_back({fmt::format("{}/{}", dir, name), std::move(*state)});
        rest.remove_prefix(nl + 1);
    }
    return out;
}

Result<void> write_segments(const std::string& log, const std::vector<Segment>& segments) {
    std::string text;
    for (const auto& s : segments)
        text += fmt::format("{} {}\n", name_of(s.path), s.end.serialize());
    if (auto w = write_file_atomic(segments_path(log), text, 0640); !w)
        return with_context(std::move(w), "cannot write the list of rotated files");
    match_owner(segments_path(log), segments.back().path);
    return {};
}

Result<std::vector<std::string>> log_files(const std::string& log) {
    auto segments = read_segments(log);
    if (!segments) return segments.error();
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& s : *segments)
        if (std::filesystem::exists(s.path, ec)) files.push_back(s.path);
    if (std::filesystem::exists(log, ec)) files.push_back(log);
    return files;
}

Result<std::optional<std::string>> find_renamed(const std::string& log, const TreeState& state,
                                                const std::vector<Segment>& recorded) {
    const std::string base = name_of(log);
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_of(log), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= base.size() + 1 || !name.starts_with(base) ||
            (name[base.size()] != '-' && name[base.size()] != '.'))
            continue;
        const std::string path = fmt::format("{}/{}", dir_of(log), name);
        if (std::any_of(recorded.begin(), recorded.end(), [&](const Segment& s) { return name_of(s.path) == name; }))
            continue;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != state.bytes)
            continue;
        if (last_chain(path, state.bytes) == state.chain) found.push_back(path);
    }
    if (ec) return unavailable(fmt::format("cannot list {}: {}", dir_of(log), ec.message()), ErrorKind::io);
    if (found.size() > 1)
        return integrity_error(
            fmt::format("{} and {} both look like the rotated {}: remove the copy", found[0], found[1], log));
    if (found.empty()) return std::optional<std::string>();
    return std::optional<std::string>(found.front());
}

void match_owner(const std::string& file, const std::string& like) {
    struct stat st {};
    if (::geteuid() != 0 || ::stat(like.c_str(), &st) != 0) return;
    if (::lchown(file.c_str(), st.st_uid, st.st_gid) != 0)
        return; // best effort: the file is written either way, and root can still read it
}

std::string rotated_name(const std::string& log, int64_t epoch) {
    const std::string day = iso8601_utc(epoch).substr(0, 10); // YYYY-MM-DD
    return fmt::format("{}-{}{}{}-{}", log, day.substr(0, 4), day.substr(5, 2), day.substr(8, 2), epoch);
}

} // namespace qops::audit
