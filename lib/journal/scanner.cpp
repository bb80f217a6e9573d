#include "journal/scanner.hpp"

#include "util/fd.hpp"
#include "util/hex.hpp"

#include <fcntl.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
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

// What a journal file's header says about the entries it holds. The fields and their
// offsets are those of systemd's docs/JOURNAL_FILE_FORMAT.md ("Header"); they have not
// moved since the format's first version (new fields are only appended).
struct FileRange {
    std::string path;
    bool archived = false;  // state ARCHIVED: journald never appends to it again
    std::string seqnum_id;  // lowercase hex, as in cursors
    uint64_t n_entries = 0;
    uint64_t tail_seqnum = 0;
    uint64_t head_realtime = 0;
    uint64_t tail_realtime = 0;
};

constexpr size_t k_header_bytes = 200; // through tail_entry_realtime
constexpr uint8_t k_state_archived = 2;

uint64_t le64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

std::optional<FileRange> read_file_range(const std::string& path) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return std::nullopt;
    std::array<unsigned char, k_header_bytes> h{};
    if (::pread(fd.get(), h.data(), h.size(), 0) != static_cast<ssize_t>(h.size())) return std::nullopt;
    if (std::memcmp(h.data(), "LPKSHHRH", 8) != 0 || le64(&h[88]) < k_header_bytes) return std::nullopt;
    FileRange f;
    f.path = path;
    f.archived = h[16] == k_state_archived;
    f.seqnum_id = to_hex(&h[72], 16);
    f.n_entries = le64(&h[152]);
    f.tail_seqnum = le64(&h[160]);
    f.head_realtime = le64(&h[184]);
    f.tail_realtime = le64(&h[192]);
    return f;
}

// An archived file none of whose entries can follow the request's position: its newest
// entry precedes the cursor (same sequence) or, without a cursor, the start of the window.
// Files that may still grow are always opened, so no entry appended meanwhile is missed.
bool precedes_position(const FileRange& f, const ScanRequest& req, const std::optional<CursorPosition>& cursor) {
    if (!f.archived) return false;
    if (f.n_entries == 0) return true;
    if (cursor) return f.seqnum_id == cursor->seqnum_id && f.tail_seqnum < cursor->seqnum;
    return req.since_usec > 0 && f.tail_realtime < static_cast<uint64_t>(req.since_usec);
}

struct Selection {
    std::vector<std::string> paths; // files to open
    size_t skipped = 0;
    int64_t cutoff_usec = 0; // oldest entry over all files, skipped ones included
};

// Picks the files of a journal directory worth opening. Nothing when a file's header
// cannot be read: sd-journal then opens the directory itself and applies its own rules
// (unreadable files, corrupt headers).
std::optional<Selection> select_files(const std::string& directory, const ScanRequest& req) {
    const auto cursor = req.after_cursor.empty() ? std::nullopt : parse_cursor(req.after_cursor);
    Selection sel;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(directory, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (!name.ends_with(".journal") && !name.ends_with(".journal~")) continue;
        const auto range = read_file_range(it->path().string());
        if (!range) return std::nullopt;
        if (range->n_entries > 0 && (sel.cutoff_usec == 0 || range->head_realtime < static_cast<uint64_t>(sel.cutoff_usec)))
            sel.cutoff_usec = static_cast<int64_t>(range->head_realtime);
        if (precedes_position(*range, req, cursor)) ++sel.skipped;
        else sel.paths.push_back(range->path);
    }
    if (ec) return std::nullopt;
    return sel;
}

bool has_journal_files(const std::string& directory) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(directory, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".journal") return true;
    return false;
}

struct Opened {
    JournalPtr journal;
    std::optional<Selection> selection; // set when only some files of a directory were opened
};

// sd-journal bisects every file it opens to find the position, so a directory with a long
// archive costs in proportion to its file count; opening only the files that can hold
// entries after the position keeps the cost with the window (bench/RESULTS.md).
JournalPtr open_selected(const std::string& directory, const ScanRequest& req, std::optional<Selection>& selection) {
    selection = select_files(directory, req);
    if (!selection || selection->skipped == 0) {
        selection.reset();
        return nullptr;
    }
    std::vector<const char*> paths;
    for (const auto& p : selection->paths) paths.push_back(p.c_str());
    paths.push_back(nullptr);
    sd_journal* raw = nullptr;
    // A file rotated away between the listing and the open fails the whole call; the
    // caller then opens the directory.
    if (sd_journal_open_files(&raw, paths.data(), 0) < 0) {
        selection.reset();
        return nullptr;
    }
    return JournalPtr(raw);
}

Result<Opened> open_journal(const Source& source, const ScanRequest& req) {
    Opened out;
    if (!source.directory.empty()) {
        out.journal = open_selected(source.directory, req, out.selection);
        if (out.journal) return out;
    }
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
    out.journal.reset(raw);
    // Files the process may not read are skipped silently by sd-journal: without the
    // systemd-journal group a watch would find "no entries" forever. Nothing opened
    // while there are files to open is a failure, not an empty journal.
    uint64_t open_bytes = 0;
    if (sd_journal_get_usage(raw, &open_bytes) >= 0 && open_bytes > 0) return out;
    if (source.directory.empty())
        return Error{ExitCode::unavailable, "no readable journal files in /run/log/journal or /var/log/journal (is "
                                            "the user in the systemd-journal group?)"};
    if (has_journal_files(source.directory))
        return Error{ExitCode::unavailable,
                     fmt::format("none of the journal files in {} can be read (is the user in the systemd-journal "
                                 "group, or allowed to read them?)",
                                 source.directory)};
    return out;
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

std::string unit_name(const std::string& name) {
    static constexpr std::string_view k_suffixes[] = {".service", ".socket", ".timer",  ".target", ".mount",    ".path",
                                                      ".slice",   ".scope",  ".device", ".swap",   ".automount"};
    for (auto suffix : k_suffixes)
        if (name.size() > suffix.size() && std::string_view(name).substr(name.size() - suffix.size()) == suffix)
            return name;
    return name + ".service";
}

Result<ScanResult> scan(const Source& source, const ScanRequest& req) {
    auto opened = open_journal(source, req);
    if (!opened) return opened.error();
    sd_journal* j = opened->journal.get();

    ScanResult out;
    if (opened->selection) {
        out.cutoff_usec = opened->selection->cutoff_usec;
        out.files_skipped = opened->selection->skipped;
    } else {
        uint64_t from = 0;
        uint64_t to = 0;
        if (sd_journal_get_cutoff_realtime_usec(j, &from, &to) > 0) out.cutoff_usec = static_cast<int64_t>(from);
    }

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
