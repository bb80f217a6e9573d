#pragma once
// The journal scanner: reads the entries of one unit through libsystemd's sd-journal
// API, from a position given by a cursor (resume) or a realtime stamp (window), and
// tests each MESSAGE for a byte pattern without formatting the entry.

#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qops::journal {

// Where the entries come from: the local journal, or a directory of journal files
// (e.g. systemd-journal-remote's output for a fleet).
struct Source {
    std::string directory; // empty: the local system journal
};

// An entry's place in its journal's sequence, from the s= and i= fields of a cursor.
struct CursorPosition {
    std::string seqnum_id; // 32 lowercase hex digits
    uint64_t seqnum = 0;
};

// Nothing when the text is not a journal cursor with both fields.
std::optional<CursorPosition> parse_cursor(std::string_view cursor);

// Appends ".service" to a name without a unit suffix, as journalctl -u does.
std::string unit_name(const std::string& name);

struct ScanRequest {
    std::string unit;         // full unit name (see unit_name())
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
    uint64_t unreadable = 0;   // entries or steps skipped on EBADMSG/EADDRNOTAVAIL
    int64_t first_usec = 0;    // realtime of the first and last match
    int64_t last_usec = 0;
    std::string first_cursor; // cursors of the first and last match
    std::string last_cursor;
    std::vector<Sample> samples; // the first max_samples matches
    std::string end_cursor;      // last entry examined; empty when none was
    int64_t end_usec = 0;
    int64_t cutoff_usec = 0; // realtime of the oldest entry the journal holds (0: empty)
    size_t files_skipped = 0; // archived files left unopened: all their entries precede the position
};

// Scans the unit's entries after the request's position up to the end of the journal.
// Errors: unavailable (journal or directory cannot be opened, or none of its files is
// readable).
Result<ScanResult> scan(const Source& source, const ScanRequest& request);

} // namespace qops::journal
