#pragma once
// The exit-owner scan: reads the entries of one unit through the journal reader, source
// by source (each machine of a fleet directory has its own position, so a late upload
// from one host is not hidden behind another's newer entries), from a cursor (resume) or
// a realtime stamp (window, new source, lost cursor), and tests each entry's MESSAGE for
// a byte pattern and/or its MESSAGE_ID without formatting the entry.

#include "base/error.hpp"
#include "watch/checkpoint.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qops::watch {

// Where the entries come from: the local journal, or a directory of journal files
// (e.g. systemd-journal-remote's output for a fleet).
struct Source {
    std::string directory; // empty: the local system journal
};

struct ScanRequest {
    std::string unit;       // full unit name (see systemd::unit_name())
    std::string pattern;    // bytes searched in MESSAGE; empty: not searched
    std::string message_id; // an entry with this MESSAGE_ID matches too; empty: not used
    size_t max_samples = 3; // matching entries kept in full, per source
    // Known sources. A source of the journal not listed here starts at new_source_usec.
    std::vector<SourcePosition> positions;
    int64_t new_source_usec = 0;
    // A position whose cursor the journal lost resumes at max(its realtime + 1, this).
    int64_t catch_up_floor_usec = 0;
    // A format 1 checkpoint's cursor: the source holding it resumes after it, the
    // others at legacy_realtime_usec (+1 when the cursor is set).
    std::string legacy_cursor;
    int64_t legacy_realtime_usec = 0;
    // A directory source: the file remembering which machines each archived journal file
    // holds (archived files never change), so a run opens each of them once, not twice.
    // Empty: every file is opened to list its machines.
    std::string listing_cache;
};

struct Sample {
    int64_t realtime_usec = 0;
    std::string hostname; // _HOSTNAME of the entry (fleet journals hold many hosts)
    std::string message;  // raw MESSAGE bytes, at most k_max_sample_bytes
};

inline constexpr size_t k_max_sample_bytes = 1024;

// How a source's reading began.
enum class Resume {
    cursor,     // after its checkpoint cursor, confirmed by sd_journal_test_cursor
    time,       // at a time-only position (no entry of the unit seen yet)
    lost,       // its cursor is gone (rotated, vacuumed): at since_usec
    new_source, // not in the checkpoint: at since_usec
};

struct SourceScan {
    std::string machine_id; // empty: entries without _MACHINE_ID
    std::string host;       // _HOSTNAME of its newest entry (raw bytes)
    Resume resume = Resume::new_source;
    int64_t since_usec = 0;  // where reading began when not after a cursor
    SourcePosition previous; // its position in the request (resume != new_source)
    uint64_t examined = 0;   // entries of the unit read
    uint64_t matched = 0;    // of those, matching the pattern or MESSAGE_ID
    uint64_t unreadable = 0; // entries or steps whose data could not be read
    int64_t first_usec = 0;  // realtime of the first and last match
    int64_t last_usec = 0;
    std::string first_cursor; // cursors of the first and last match
    std::string last_cursor;
    std::vector<Sample> samples; // the first max_samples matches
    std::string end_cursor;      // last entry of the unit examined; empty when none was
    int64_t end_usec = 0;
    int64_t oldest_usec = 0; // oldest and newest entry of the source, any unit (0: none)
    int64_t newest_usec = 0;
    bool skipped_older = false; // resume new_source/lost: entries of the unit before since_usec exist
};

struct ScanResult {
    std::vector<SourceScan> sources; // those the journal holds, by machine id
    // Positions of the request whose source the journal no longer holds at all.
    std::vector<SourcePosition> absent;
    // Files or data the listing of sources could not read (a corrupt file): a source's
    // entries may be missing.
    int listing_errors = 0;
};

// Scans each source's entries of the unit after its position up to the end of the
// journal. Errors: unavailable (journal or directory cannot be opened, or none of its
// files is readable).
Result<ScanResult> scan(const Source& source, const ScanRequest& request);

} // namespace qops::watch
