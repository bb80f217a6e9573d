#pragma once
// The exit-owner scan: reads the entries of one unit through the journal reader, from a
// position given by a cursor (resume) or a realtime stamp (window), and tests each
// MESSAGE for a byte pattern without formatting the entry.

#include "base/error.hpp"

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
    std::string unit;         // full unit name (see systemd::unit_name())
    std::string pattern;      // bytes searched in MESSAGE
    std::string after_cursor; // resume after this entry when the journal still holds it
    int64_t since_usec = 0;   // start here (realtime) with no cursor or one the journal lost
    size_t max_samples = 3;   // matching entries kept in full
};

struct Sample {
    int64_t realtime_usec = 0;
    std::string hostname; // _HOSTNAME of the entry (fleet journals hold many hosts)
    std::string message;  // raw MESSAGE bytes, at most k_max_sample_bytes
};

inline constexpr size_t k_max_sample_bytes = 1024;

struct ScanResult {
    bool cursor_found = false; // after_cursor was given and confirmed by sd_journal_test_cursor
    uint64_t examined = 0;     // entries of the unit read
    uint64_t matched = 0;      // of those, MESSAGE containing the pattern
    uint64_t unreadable = 0;   // entries or steps whose data could not be read
    int64_t first_usec = 0;    // realtime of the first and last match
    int64_t last_usec = 0;
    std::string first_cursor; // cursors of the first and last match
    std::string last_cursor;
    std::vector<Sample> samples; // the first max_samples matches
    std::string end_cursor;      // last entry examined; empty when none was
    int64_t end_usec = 0;
    int64_t cutoff_usec = 0; // realtime of the oldest entry the journal holds (0: empty)
};

// Scans the unit's entries after the request's position up to the end of the journal.
// Errors: unavailable (journal or directory cannot be opened, or none of its files is
// readable).
Result<ScanResult> scan(const Source& source, const ScanRequest& request);

} // namespace qops::watch
