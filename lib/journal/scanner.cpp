#include "journal/scanner.hpp"

#include <systemd/sd-journal.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <string_view>
#include <vector>

namespace qops::journal {
namespace {

struct JournalDeleter {
    void operator()(sd_journal* j) const noexcept { sd_journal_close(j); }
};
using JournalPtr = std::unique_ptr<sd_journal, JournalDeleter>;

struct FreeDeleter {
    void operator()(char* p) const noexcept { std::free(p); } // NOLINT(cppcoreguidelines-no-malloc)
};
using CString = std::unique_ptr<char, FreeDeleter>;

// A file vacuumed or rotated under us makes a step fail with one of these; the step is
// skipped. More than this many failures in a row ends the scan instead of spinning.
constexpr int k_max_consecutive_step_errors = 16;

bool is_vanished_data_error(int r) {
    return r == -EBADMSG || r == -EADDRNOTAVAIL || r == -EIO;
}

bool has_journal_files(const std::string& directory) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(directory, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".journal") return true;
    return false;
}

Result<JournalPtr> open_journal(const Source& source) {
    sd_journal* raw = nullptr;
    int r = 0;
    if (source.directory.empty())
        r = sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
    else
        r = sd_journal_open_directory(&raw, source.directory.c_str(), 0);
    if (r < 0)
        return Error{ExitCode::unavailable,
                     fmt::format("cannot open the journal {}: {}",
                                 source.directory.empty() ? std::string("(local)") : source.directory, errno_text(-r))};
    JournalPtr j(raw);
    // Files the process may not read are skipped silently by sd-journal: without the
    // systemd-journal group a watch would find "no entries" forever. Nothing opened
    // while there are files to open is a failure, not an empty journal.
    uint64_t open_bytes = 0;
    if (sd_journal_get_usage(raw, &open_bytes) >= 0 && open_bytes > 0) return j;
    if (source.directory.empty())
        return Error{ExitCode::unavailable, "no readable journal files in /run/log/journal or /var/log/journal (is "
                                            "the user in the systemd-journal group?)"};
    if (has_journal_files(source.directory))
        return Error{ExitCode::unavailable,
                     fmt::format("none of the journal files in {} can be read (is the user in the systemd-journal "
                                 "group, or allowed to read them?)",
                                 source.directory)};
    return j;
}

// The matches journalctl -u adds (systemd's add_matches_for_unit): the unit's own
// messages, its coredumps, PID 1's messages about it, and those of trusted daemons.
// Matches within a group are AND-ed, the groups OR-ed.
Result<void> add_unit_matches(sd_journal* j, const std::string& unit) {
    const std::vector<std::vector<std::string>> groups = {
        {"_SYSTEMD_UNIT=" + unit},
        {"MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1", "_UID=0", "COREDUMP_UNIT=" + unit},
        {"_PID=1", "UNIT=" + unit},
        {"_UID=0", "OBJECT_SYSTEMD_UNIT=" + unit},
    };
    for (size_t g = 0; g < groups.size(); ++g) {
        int r = g == 0 ? 0 : sd_journal_add_disjunction(j);
        for (size_t m = 0; r >= 0 && m < groups[g].size(); ++m)
            r = sd_journal_add_match(j, groups[g][m].data(), groups[g][m].size());
        if (r < 0) return Error{ExitCode::usage, fmt::format("cannot match unit '{}': {}", unit, errno_text(-r))};
    }
    return {};
}

// Points value at field's bytes in the current entry (without "NAME="); returns 0 or a
// negative errno (-ENOENT when the entry has no such field).
int field(sd_journal* j, std::string_view name, std::string_view& value) {
    const void* data = nullptr;
    size_t len = 0;
    const std::string key(name);
    int r = sd_journal_get_data(j, key.c_str(), &data, &len);
    if (r < 0) return r;
    std::string_view all(static_cast<const char*>(data), len);
    value = all.size() > name.size() ? all.substr(name.size() + 1) : std::string_view{};
    return 0;
}

std::string current_cursor(sd_journal* j) {
    char* raw = nullptr;
    if (sd_journal_get_cursor(j, &raw) < 0) return {};
    CString owned(raw);
    return std::string(owned.get());
}

// Positions the journal just before the first entry to examine. Returns whether the
// cursor was found; without it the position is since_usec.
Result<bool> position(sd_journal* j, const ScanRequest& req) {
    if (!req.after_cursor.empty() && sd_journal_seek_cursor(j, req.after_cursor.c_str()) >= 0) {
        // seek_cursor lands on the closest entry when the cursor is gone; only
        // test_cursor tells whether we stand on the checkpoint entry itself.
        if (sd_journal_next(j) > 0 && sd_journal_test_cursor(j, req.after_cursor.c_str()) > 0) return true;
    }
    int r = sd_journal_seek_realtime_usec(j, static_cast<uint64_t>(req.since_usec > 0 ? req.since_usec : 0));
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("cannot seek the journal: {}", errno_text(-r))};
    return false;
}

} // namespace

std::string unit_name(const std::string& name) {
    static constexpr std::string_view k_suffixes[] = {".service", ".socket", ".timer",  ".target", ".mount",    ".path",
                                                      ".slice",   ".scope",  ".device", ".swap",   ".automount"};
    for (auto suffix : k_suffixes)
        if (name.size() > suffix.size() && std::string_view(name).substr(name.size() - suffix.size()) == suffix)
            return name;
    return name + ".service";
}

Result<ScanResult> scan(const Source& source, const ScanRequest& req) {
    auto opened = open_journal(source);
    if (!opened) return opened.error();
    sd_journal* j = opened->get();

    ScanResult out;
    uint64_t from = 0;
    uint64_t to = 0;
    if (sd_journal_get_cutoff_realtime_usec(j, &from, &to) > 0) out.cutoff_usec = static_cast<int64_t>(from);

    if (auto m = add_unit_matches(j, req.unit); !m) return m.error();
    auto found = position(j, req);
    if (!found) return found.error();
    out.cursor_found = *found;

    int errors_in_a_row = 0;
    bool on_entry = false;
    for (;;) {
        int r = sd_journal_next(j);
        if (r == 0) break;
        if (r < 0) {
            ++out.unreadable;
            if (!is_vanished_data_error(r) || ++errors_in_a_row > k_max_consecutive_step_errors) break;
            continue;
        }
        errors_in_a_row = 0;
        uint64_t realtime = 0;
        if (sd_journal_get_realtime_usec(j, &realtime) < 0) {
            ++out.unreadable;
            continue;
        }
        on_entry = true;
        ++out.examined;
        out.end_usec = static_cast<int64_t>(realtime);
        std::string_view message;
        r = field(j, "MESSAGE", message);
        if (r < 0) {
            if (r != -ENOENT) ++out.unreadable;
            continue;
        }
        if (message.find(req.pattern) == std::string_view::npos) continue;

        ++out.matched;
        const auto usec = static_cast<int64_t>(realtime);
        if (out.matched == 1) {
            out.first_usec = usec;
            out.first_cursor = current_cursor(j);
        }
        out.last_usec = usec;
        out.last_cursor = current_cursor(j);
        if (out.samples.size() < req.max_samples) {
            Sample s;
            s.realtime_usec = usec;
            s.message = std::string(message.substr(0, k_max_sample_bytes));
            std::string_view host;
            if (field(j, "_HOSTNAME", host) >= 0) s.hostname = std::string(host);
            out.samples.push_back(std::move(s));
        }
    }
    // When next() finds nothing more it leaves the journal on the last entry read.
    if (on_entry) out.end_cursor = current_cursor(j);
    return out;
}

} // namespace qops::journal
