#pragma once
// The entries of one UTC day in the audit log, found without reading the whole log.
//
// What counts: the entries of day D are the lines that begin with "[D" (D = YYYY-MM-DD),
// exactly what `grep -c '^\[D'` counts over the files (but see the limit below); undated lines
// (continuations of multi-line messages, hand edits, blank lines) are no one's entries.
//
// How it is found: the log is written in time order, so the search bisects the byte
// offsets for the stretch from the last dated line before D 00:00 - k_max_step_back to
// the first dated line from D+1 00:00 + k_max_step_back on, and scans that stretch. A
// probe that lands in undated lines reads on to the next dated line (never a guess), so
// a run of stray lines costs its length once. Clock steps back of up to k_max_step_back
// (NTP correcting a fast clock) are therefore counted by their stamps like any other
// entry, and reported in out_of_order. A dated line inside the stretch that is stamped
// outside the window shows a step back across the window's edge, perhaps a larger one:
// the search then scans every file whole (scanned_all), so the count is still exact, only
// slower. A step back of more than k_max_step_back that lies away from the day is not
// seen without reading the whole log: entries of D written there (a clock reset by hours
// or days) are not counted. No search short of a full scan can see those.
//
// The log may be several files, oldest first (audit.log.1, audit.log): they are read as
// one text, each file ending its last line even without a final newline.

#include "audit/log.hpp"
#include "base/error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qops::audit {

// How far back a stepped clock may stamp an entry and still be found in the stretch.
inline constexpr int k_max_step_back_minutes = 60;

struct Day {
    uint64_t count = 0;        // lines beginning "[D"
    std::vector<Entry> recent; // the last `keep` of them that parse, oldest first (file order)
    uint64_t out_of_order = 0; // dated lines read that are stamped (to the second) before a line above them
    bool scanned_all = false;  // a large step back was seen: every file was read
};

// The entries of `day` (YYYY-MM-DD) in `files`, oldest file first; a missing file is an
// error. Errors: unavailable (cannot open or read).
Result<Day> read_day(const std::vector<std::string>& files, const std::string& day, size_t keep);

} // namespace qops::audit
