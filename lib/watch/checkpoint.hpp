#pragma once
// The watch's checkpoint: for each journal source (a machine of the fleet), the cursor
// and realtime of the last entry of the unit examined, kept in one small JSON file per
// unit and replaced atomically (temp + fsync + rename).
//
// Format 2 (written): {"version":2, "unit", "scanned_usec", "sources":[{"machine_id",
// "host", "cursor", "realtime_usec", "seen_usec"}...]}. Format 1 (read, from before the
// fleet edition): {"version":1, "unit", "cursor", "realtime_usec", "scanned_usec"}, one
// cursor for the whole journal; it is kept as legacy_cursor until the next save.

#include "base/error.hpp"
#include "base/file_lock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qops::watch {

// Where the watch stands in one source's entries.
struct SourcePosition {
    std::string machine_id;    // _MACHINE_ID; empty: entries that carry none
    std::string host;          // _HOSTNAME of its newest entry, for messages and alerts
    std::string cursor;        // resume after this entry; empty: start at realtime_usec
    int64_t realtime_usec = 0; // the entry's realtime, or where a time-only position starts
    int64_t seen_usec = 0;     // newest entry of the source (any unit) when it was scanned
    bool operator==(const SourcePosition&) const = default;
};

struct Checkpoint {
    std::string unit;
    int64_t scanned_usec = 0; // when the run that wrote it read the journal (0: unknown)
    std::vector<SourcePosition> sources;
    // A format 1 checkpoint's single cursor and realtime (empty otherwise): the source
    // that holds the cursor resumes after it, every other one at its realtime.
    std::string legacy_cursor;
    int64_t legacy_realtime_usec = 0;
    bool operator==(const Checkpoint&) const = default;
};

// The file holding the checkpoint of unit in state_dir.
std::string checkpoint_path(const std::string& state_dir, const std::string& unit);

// Reads the checkpoint (format 2, or format 1). nullopt: no file. Errors: integrity
// (unparsable or not ours: the caller starts afresh and overwrites it), unavailable
// (cannot read the file).
Result<std::optional<Checkpoint>> load_checkpoint(const std::string& path, const std::string& unit);

// Replaces the file atomically, in format 2. Errors: unavailable.
Result<void> save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// An exclusive lock beside the checkpoint (path + ".lock"), held while it lives, so two
// runs (the timer and a manual start) never alert the same events or race on the file.
// nullopt when another process holds it. Errors: unavailable.
Result<std::optional<FileLock>> try_lock_checkpoint(const std::string& path);

} // namespace qops::watch
