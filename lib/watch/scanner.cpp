#include "watch/scanner.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "systemd/journal.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

namespace qops::watch {
namespace {

// A file vacuumed or rotated under us makes a step fail; the step is counted and
// skipped. More than this many failures in a row ends the scan instead of spinning.
constexpr int k_max_consecutive_step_errors = 16;

const SourcePosition* position_of(const ScanRequest& req, const std::string& machine_id) {
    for (const auto& p : req.positions)
        if (p.machine_id == machine_id) return &p;
    return nullptr;
}

// A machine id as journald writes it. Anything else (a forged or damaged upload) is not
// a source: it would be matched, kept in the checkpoint and alerted on as raw bytes.
bool is_machine_id(const std::string& id) {
    return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Restricts the journal to the source's entries (all of them with no machine id: a
// journal whose entries carry none is one source).
Result<void> match_source(systemd::Journal& j, const std::string& machine_id) {
    if (machine_id.empty()) return {};
    return j.match_also("_MACHINE_ID", machine_id);
}

// The source's oldest and newest entry of any unit, and its host name.
Result<void> read_bounds(systemd::Journal& j, SourceScan& s) {
    j.clear_matches();
    if (auto m = match_source(j, s.machine_id); !m) return m;
    if (auto r = j.seek_head(); !r) return r;
    if (j.next() == systemd::Journal::Step::entry) s.oldest_usec = j.realtime().value_or(0);
    if (auto r = j.seek_tail(); !r) return r;
    if (j.previous() == systemd::Journal::Step::entry) {
        s.newest_usec = j.realtime().value_or(0);
        if (auto host = j.field("_HOSTNAME"); host && *host) s.host = std::string(**host);
    }
    return {};
}

// Positions the journal (matches set) where the source's reading begins.
Result<void> seek_start(systemd::Journal& j, const ScanRequest& req, SourceScan& s) {
    const SourcePosition* pos = position_of(req, s.machine_id);
    if (pos) {
        s.previous = *pos;
        if (!pos->cursor.empty()) {
            if (j.seek_after_cursor(pos->cursor)) {
                s.resume = Resume::cursor;
                return {};
            }
            s.resume = Resume::lost;
            s.since_usec = std::max(pos->realtime_usec + 1, req.catch_up_floor_usec);
        } else {
            s.resume = Resume::time;
            s.since_usec = pos->realtime_usec;
        }
    } else if (!req.legacy_cursor.empty() || req.legacy_realtime_usec != 0) {
        s.previous = {s.machine_id, {}, req.legacy_cursor, req.legacy_realtime_usec, req.legacy_realtime_usec};
        if (!req.legacy_cursor.empty() && j.seek_after_cursor(req.legacy_cursor)) {
            s.resume = Resume::cursor;
            return {};
        }
        // The old single cursor stood for every source: what is newer than it is new.
        s.resume = Resume::time;
        s.since_usec = req.legacy_realtime_usec + (req.legacy_cursor.empty() ? 0 : 1);
    } else {
        s.resume = Resume::new_source;
        s.since_usec = req.new_source_usec;
    }
    return j.seek_realtime(s.since_usec);
}

// Reads the source's entries of the unit from the current position to the end.
void read_entries(systemd::Journal& j, const ScanRequest& req, SourceScan& s) {
    int errors_in_a_row = 0;
    bool on_entry = false;
    for (;;) {
        const auto step = j.next();
        if (step == systemd::Journal::Step::end) break;
        if (step == systemd::Journal::Step::unreadable) {
            ++s.unreadable;
            if (++errors_in_a_row > k_max_consecutive_step_errors) break;
            continue;
        }
        errors_in_a_row = 0;
        on_entry = true;
        const auto realtime = j.realtime();
        if (!realtime) {
            ++s.unreadable;
            continue;
        }
        ++s.examined;
        s.end_usec = *realtime;
        bool hit = false;
        if (!req.message_id.empty()) {
            auto id = j.field("MESSAGE_ID");
            if (!id) {
                ++s.unreadable;
                continue;
            }
            hit = *id && **id == req.message_id;
        }
        if (req.pattern.empty() && !hit) continue;
        // Copied at once: the next field read may reuse sd-journal's decompression buffer.
        std::string sample;
        auto message = j.field("MESSAGE");
        // sd-journal skips a field whose data is corrupt, so a damaged MESSAGE reads as
        // none: an entry of the unit without one cannot be checked, and says so.
        if (!message || !*message) {
            // Counted either way; a MESSAGE_ID match is still a match.
            ++s.unreadable;
            if (!hit) continue;
        } else {
            hit = hit || (*message)->find(req.pattern) != std::string_view::npos;
            if (hit && s.samples.size() < req.max_samples)
                sample = std::string((*message)->substr(0, k_max_sample_bytes));
        }
        if (!hit) continue;

        ++s.matched;
        if (s.matched == 1) {
            s.first_usec = *realtime;
            s.first_cursor = j.cursor();
        }
        s.last_usec = *realtime;
        s.last_cursor = j.cursor();
        if (s.samples.size() < req.max_samples) {
            Sample smp;
            smp.realtime_usec = *realtime;
            smp.message = std::move(sample);
            if (auto host = j.field("_HOSTNAME"); host && *host) smp.hostname = std::string(**host);
            s.samples.push_back(std::move(smp));
        }
    }
    // When next() finds nothing more it leaves the journal on the last entry read.
    if (on_entry) s.end_cursor = j.cursor();
}

// Whether the source holds entries of the unit older than where its reading began.
bool has_older_entries(systemd::Journal& j, const SourceScan& s) {
    if (!j.seek_head()) return false;
    if (j.next() != systemd::Journal::Step::entry) return false;
    const auto oldest = j.realtime();
    return oldest && *oldest < s.since_usec;
}

// Reads one source (machine_id; empty: all entries) of journal j.
Result<SourceScan> scan_source(systemd::Journal& j, const ScanRequest& req, const std::string& machine_id) {
    SourceScan s;
    s.machine_id = machine_id;
    if (auto r = read_bounds(j, s); !r) return r.error();
    j.clear_matches();
    if (auto m = j.match_unit(req.unit); !m) return m.error();
    if (auto m = match_source(j, machine_id); !m) return m.error();
    if (auto r = seek_start(j, req, s); !r) return r.error();
    read_entries(j, req, s);
    if (s.resume == Resume::new_source || s.resume == Resume::lost) s.skipped_older = has_older_entries(j, s);
    return s;
}

// The files of a directory grouped by the machines whose entries they hold (one file
// may hold several: journal-remote --split-mode=none), each file opened alone to list
// them. Opening one machine's files at a time keeps memory to one host's files rather
// than the whole fleet's: at 50 hosts and 1M entries, 175 MiB peak RSS with every file
// open, against the pipeline's 50 MiB (bench/RESULTS.md, journal).
struct Grouped {
    std::map<std::string, std::vector<std::string>> files_of; // machine id ("" none) -> files
    int unreadable_files = 0;
    int listing_errors = 0;
};

// What one file holds: its machine ids; none = entries without _MACHINE_ID.
struct FileMachines {
    std::vector<std::string> machines;
    bool none = false;
};

// An archived journal file ("name@seqnum-id-seqnum-realtime.journal", or a dirty
// "....journal~") is never written again: what it holds can be remembered.
bool is_archived(const std::string& path) {
    const std::string name = path.substr(path.rfind('/') + 1);
    return name.ends_with(".journal~") || name.find('@') != std::string::npos;
}

// The identity of a file's content as stat sees it; a file replaced or grown is another.
std::string file_identity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return fmt::format("{}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// The listing cache: {"files": {path: {"id": identity, "machines": [...], "none": bool}}}.
// Anything unreadable or malformed is an empty cache (it is only ever a shortcut).
std::map<std::string, std::pair<std::string, FileMachines>> load_listing_cache(const std::string& path) {
    std::map<std::string, std::pair<std::string, FileMachines>> out;
    if (path.empty()) return out;
    auto text = read_file(path, 16u << 20);
    if (!text) return out;
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_object()) return out;
    for (const auto& [file, e] : j["files"].items()) {
        if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("machines") ||
            !e["machines"].is_array())
            continue;
        FileMachines fm;
        bool ok = true;
        for (const auto& m : e["machines"]) {
            if (!m.is_string() || !is_machine_id(m.get<std::string>())) ok = false;
            if (ok) fm.machines.push_back(m.get<std::string>());
        }
        fm.none = e.value("none", false);
        if (ok) out[file] = {e["id"].get<std::string>(), std::move(fm)};
    }
    return out;
}

Result<Grouped> group_by_machine(const std::string& dir, const std::string& cache_path) {
    auto files = systemd::journal_files(dir);
    if (!files) return files.error();
    const auto cached = load_listing_cache(cache_path);
    nlohmann::json cache_out = nlohmann::json::object();
    bool cache_changed = false;
    Grouped out;
    std::string last_error;
    for (const auto& file : *files) {
        FileMachines fm;
        std::string identity;
        if (!cache_path.empty() && is_archived(file)) identity = file_identity(file);
        const auto hit = cached.find(file);
        if (!identity.empty() && hit != cached.end() && hit->second.first == identity) {
            fm = hit->second.second;
        } else {
            auto j = systemd::Journal::open_files({file});
            if (!j) {
                ++out.unreadable_files;
                last_error = j.error().message;
                continue;
            }
            auto ids = j->unique_values("_MACHINE_ID");
            if (!ids) {
                ++out.unreadable_files;
                last_error = ids.error().message;
                continue;
            }
            out.listing_errors += ids->errors;
            fm.none = ids->values.empty() && j->cutoff_realtime() != 0;
            bool clean = ids->errors == 0;
            for (auto& id : ids->values) {
                if (is_machine_id(id)) {
                    fm.machines.push_back(std::move(id));
                } else {
                    ++out.listing_errors;
                    clean = false;
                }
            }
            // Only a complete listing is remembered: a file with unreadable data is listed
            // again (and counted again) on every run.
            if (!clean) identity.clear();
            cache_changed = cache_changed || !identity.empty();
        }
        if (!identity.empty()) cache_out[file] = {{"id", identity}, {"machines", fm.machines}, {"none", fm.none}};
        if (fm.none) out.files_of[""].push_back(file);
        for (const auto& id : fm.machines)
            out.files_of[id].push_back(file);
    }
    if (!files->empty() && out.unreadable_files == static_cast<int>(files->size()))
        return unavailable(fmt::format("none of the journal files in {} can be read (is the user in the "
                                       "systemd-journal group, or allowed to read them?): {}",
                                       dir, last_error));
    // Files vacuumed since the last run drop out of the cache too. A cache that cannot be
    // written only costs the next run the listing.
    if (!cache_path.empty() && (cache_changed || cache_out.size() != cached.size()))
        (void)write_file_atomic(cache_path, nlohmann::json{{"files", cache_out}}.dump() + "\n", 0640);
    return out;
}

} // namespace

Result<ScanResult> scan(const Source& source, const ScanRequest& req) {
    ScanResult out;
    std::vector<std::string> machines;
    if (!source.directory.empty()) {
        auto grouped = group_by_machine(source.directory, req.listing_cache);
        if (!grouped) return grouped.error();
        out.listing_errors = grouped->listing_errors + grouped->unreadable_files;
        for (const auto& [machine_id, files] : grouped->files_of) {
            auto j = systemd::Journal::open_files(files);
            if (!j) {
                // Rotated or removed since the listing: the source keeps its position
                // (reported absent) and is read on the next run.
                ++out.listing_errors;
                continue;
            }
            auto s = scan_source(*j, req, machine_id);
            if (!s) return s.error();
            machines.push_back(machine_id);
            out.sources.push_back(std::move(*s));
        }
    } else {
        auto j = systemd::Journal::open_local();
        if (!j) return j.error();
        auto listed = j->unique_values("_MACHINE_ID");
        if (!listed) return listed.error();
        out.listing_errors = listed->errors;
        for (auto& id : listed->values) {
            if (is_machine_id(id))
                machines.push_back(std::move(id));
            else
                ++out.listing_errors;
        }
        std::sort(machines.begin(), machines.end());
        // journald stamps every entry with _MACHINE_ID; a journal without any (hand-made
        // exports) is read as one source.
        if (machines.empty() && j->cutoff_realtime() != 0) machines.emplace_back();
        for (const auto& machine_id : machines) {
            auto s = scan_source(*j, req, machine_id);
            if (!s) return s.error();
            out.sources.push_back(std::move(*s));
        }
    }
    for (const auto& p : req.positions)
        if (!std::binary_search(machines.begin(), machines.end(), p.machine_id)) out.absent.push_back(p);
    return out;
}

} // namespace qops::watch
