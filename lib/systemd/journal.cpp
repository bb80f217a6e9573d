#include "systemd/journal.hpp"

#include <systemd/sd-journal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <vector>

namespace qops::systemd {
namespace {

struct FreeChars {
    void operator()(char* p) const noexcept { std::free(p); } // NOLINT(cppcoreguidelines-no-malloc): sd-journal's
};

// Far more than the files one corrupt directory holds in a row.
constexpr int k_max_consecutive_unique_errors = 256;

bool is_journal_file_name(const std::string& name) {
    return name.ends_with(".journal") || name.ends_with(".journal~");
}

// journald's per-machine subdirectories (/var/log/journal/<machine-id>/).
bool is_machine_id_name(const std::string& name) {
    return name.size() == 32 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

void Journal::Close::operator()(sd_journal* j) const noexcept {
    sd_journal_close(j);
}

std::optional<CursorPosition> parse_cursor(std::string_view cursor) {
    CursorPosition pos;
    bool have_seqnum = false;
    while (!cursor.empty()) {
        const size_t end = std::min(cursor.find(';'), cursor.size());
        const auto item = cursor.substr(0, end);
        cursor.remove_prefix(std::min(end + 1, cursor.size()));
        if (item.starts_with("s=")) {
            pos.seqnum_id = std::string(item.substr(2));
        } else if (item.starts_with("i=")) {
            const auto digits = item.substr(2);
            const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pos.seqnum, 16);
            have_seqnum = ec == std::errc() && ptr == digits.data() + digits.size() && !digits.empty();
        }
    }
    if (pos.seqnum_id.size() != 32 || !have_seqnum) return std::nullopt;
    return pos;
}

Result<std::vector<std::string>> journal_files(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    auto it = std::filesystem::directory_iterator(dir, ec);
    if (ec) return unavailable(fmt::format("cannot read the journal {}: {}", dir, ec.message()), ErrorKind::io);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code type_ec;
        if (is_journal_file_name(name) && it->is_regular_file(type_ec)) {
            files.push_back(it->path().string());
        } else if (is_machine_id_name(name) && it->is_directory(type_ec)) {
            std::error_code sub_ec;
            for (auto sub = std::filesystem::directory_iterator(it->path(), sub_ec);
                 !sub_ec && sub != std::filesystem::directory_iterator(); sub.increment(sub_ec))
                if (is_journal_file_name(sub->path().filename().string())) files.push_back(sub->path().string());
        }
    }
    if (ec) return unavailable(fmt::format("cannot read the journal {}: {}", dir, ec.message()), ErrorKind::io);
    std::sort(files.begin(), files.end());
    return files;
}

Result<Journal> Journal::open_files(const std::vector<std::string>& paths) {
    std::vector<const char*> argv;
    argv.reserve(paths.size() + 1);
    for (const auto& p : paths)
        argv.push_back(p.c_str());
    argv.push_back(nullptr);
    sd_journal* raw = nullptr;
    const int r = sd_journal_open_files(&raw, argv.data(), 0);
    if (r < 0)
        return unavailable(fmt::format("cannot open the journal file{} {}: {}", paths.size() == 1 ? "" : "s",
                                       paths.size() == 1 ? paths.front() : fmt::format("{}...", paths.front()),
                                       errno_text(-r)),
                           ErrorKind::io);
    return Journal(raw);
}

Result<Journal> Journal::open_local() {
    sd_journal* raw = nullptr;
    const int r = sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
    if (r < 0) return unavailable(fmt::format("cannot open the local journal: {}", errno_text(-r)), ErrorKind::io);
    Journal j(raw);
    // Files the process may not read are skipped silently by sd-journal: without the
    // systemd-journal group a watch would find "no entries" forever. Nothing readable
    // is a failure, not an empty journal.
    uint64_t bytes = 0;
    if (sd_journal_get_usage(raw, &bytes) < 0 || bytes == 0)
        return unavailable("no readable journal files in /run/log/journal or /var/log/journal (is the user in the "
                           "systemd-journal group?)");
    return j;
}

Result<void> Journal::match_unit(const std::string& unit) {
    // systemd's add_matches_for_unit: the unit's own messages, its coredumps, PID 1's
    // messages about it, and those of trusted daemons. AND within a group, OR between.
    const std::vector<std::vector<std::string>> groups = {
        {"_SYSTEMD_UNIT=" + unit},
        {"MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1", "_UID=0", "COREDUMP_UNIT=" + unit},
        {"_PID=1", "UNIT=" + unit},
        {"_UID=0", "OBJECT_SYSTEMD_UNIT=" + unit},
    };
    for (size_t g = 0; g < groups.size(); ++g) {
        int r = g == 0 ? 0 : sd_journal_add_disjunction(m_j.get());
        for (size_t m = 0; r >= 0 && m < groups[g].size(); ++m)
            r = sd_journal_add_match(m_j.get(), groups[g][m].data(), groups[g][m].size());
        if (r < 0) return usage_error(fmt::format("cannot match unit '{}': {}", unit, errno_text(-r)));
    }
    return {};
}

Result<void> Journal::match_also(std::string_view field, std::string_view value) {
    const std::string match = fmt::format("{}={}", field, value);
    int r = sd_journal_add_conjunction(m_j.get());
    if (r >= 0) r = sd_journal_add_match(m_j.get(), match.data(), match.size());
    if (r < 0) return usage_error(fmt::format("cannot match '{}': {}", match, errno_text(-r)));
    return {};
}

void Journal::clear_matches() {
    sd_journal_flush_matches(m_j.get());
}

Result<Journal::UniqueValues> Journal::unique_values(const std::string& field) {
    int r = sd_journal_query_unique(m_j.get(), field.c_str());
    if (r < 0)
        return unavailable(fmt::format("cannot list the values of {}: {}", field, errno_text(-r)), ErrorKind::io);
    UniqueValues out;
    const void* data = nullptr;
    size_t len = 0;
    int errors_in_a_row = 0;
    for (;;) {
        r = sd_journal_enumerate_available_unique(m_j.get(), &data, &len);
        if (r == 0) break;
        if (r < 0) {
            // A corrupt file (EBADMSG) ends sd-journal's listing for that file only: the
            // next call moves on to the next file. Bounded in case it does not.
            ++out.errors;
            if (++errors_in_a_row > k_max_consecutive_unique_errors) break;
            continue;
        }
        errors_in_a_row = 0;
        const std::string_view all(static_cast<const char*>(data), len);
        if (all.size() > field.size()) out.values.emplace_back(all.substr(field.size() + 1));
    }
    return out;
}

bool Journal::seek_after_cursor(const std::string& cursor) {
    if (cursor.empty() || sd_journal_seek_cursor(m_j.get(), cursor.c_str()) < 0) return false;
    // seek_cursor lands on the closest entry when the cursor is gone; only test_cursor
    // tells whether we stand on the entry itself.
    return sd_journal_next(m_j.get()) > 0 && sd_journal_test_cursor(m_j.get(), cursor.c_str()) > 0;
}

Result<void> Journal::seek_realtime(int64_t usec) {
    const int r = sd_journal_seek_realtime_usec(m_j.get(), static_cast<uint64_t>(usec > 0 ? usec : 0));
    if (r < 0) return unavailable(fmt::format("cannot seek the journal: {}", errno_text(-r)), ErrorKind::io);
    return {};
}

Result<void> Journal::seek_head() {
    const int r = sd_journal_seek_head(m_j.get());
    if (r < 0) return unavailable(fmt::format("cannot seek the journal: {}", errno_text(-r)), ErrorKind::io);
    return {};
}

Result<void> Journal::seek_tail() {
    const int r = sd_journal_seek_tail(m_j.get());
    if (r < 0) return unavailable(fmt::format("cannot seek the journal: {}", errno_text(-r)), ErrorKind::io);
    return {};
}

Journal::Step Journal::previous() {
    const int r = sd_journal_previous(m_j.get());
    if (r > 0) return Step::entry;
    if (r == 0) return Step::end;
    return Step::unreadable;
}

Journal::Step Journal::next() {
    const int r = sd_journal_next(m_j.get());
    if (r > 0) return Step::entry;
    if (r == 0) return Step::end;
    return Step::unreadable;
}

std::optional<int64_t> Journal::realtime() const {
    uint64_t usec = 0;
    if (sd_journal_get_realtime_usec(m_j.get(), &usec) < 0) return std::nullopt;
    return static_cast<int64_t>(usec);
}

std::string Journal::cursor() const {
    char* raw = nullptr;
    if (sd_journal_get_cursor(m_j.get(), &raw) < 0) return {};
    const std::unique_ptr<char, FreeChars> owned(raw);
    return std::string(owned.get());
}

Result<std::optional<std::string_view>> Journal::field(std::string_view name) const {
    const void* data = nullptr;
    size_t len = 0;
    const std::string key(name);
    const int r = sd_journal_get_data(m_j.get(), key.c_str(), &data, &len);
    if (r == -ENOENT) return std::optional<std::string_view>();
    if (r < 0) return unavailable(fmt::format("cannot read {}: {}", key, errno_text(-r)), ErrorKind::io);
    const std::string_view all(static_cast<const char*>(data), len);
    return std::optional<std::string_view>(all.size() > name.size() ? all.substr(name.size() + 1) : std::string_view{});
}

int64_t Journal::cutoff_realtime() const {
    uint64_t from = 0;
    uint64_t to = 0;
    if (sd_journal_get_cutoff_realtime_usec(m_j.get(), &from, &to) > 0) return static_cast<int64_t>(from);
    return 0;
}

} // namespace qops::systemd
