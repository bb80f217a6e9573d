#pragma once
// The watch's checkpoint: the cursor and realtime of the last journal entry examined,
// kept in one small JSON file per unit and replaced atomically (temp + fsync + rename).

#include "base/error.hpp"
#include "base/file_lock.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace qops::watch {

struct Checkpoint {
    std::string cursor;        // empty: a time-only checkpoint (no entry of the unit seen yet)
    int64_t realtime_usec = 0; // the entry's realtime, or where a time-only checkpoint starts
    std::string unit;
    int64_t scanned_usec = 0; // when the run that wrote it read the journal (0: unknown)
};

// The file holding the checkpoint of unit in state_dir.
std::string checkpoint_path(const std::string& state_dir, const std::string& unit);

// Reads the checkpoint. nullopt: no file. Errors: integrity (unparsable or not ours:
// the caller starts afresh and overwrites it), unavailable (cannot read the file).
Result<std::optional<Checkpoint>> load_checkpoint(const std::string& path, const std::string& unit);

// Replaces the file atomically. Errors: unavailable.
Result<void> save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// An exclusive lock beside the checkpoint (path + ".lock"), held while it lives, so two
// runs (the timer and a manual start) never alert the same events or race on the file.
// nullopt when another process holds it. Errors: unavailable.
Result<std::optional<FileLock>> try_lock_checkpoint(const std::string& path);

} // namespace qops::watch
