#pragma once
// The daily summary of the audit log, in the original's format.

#include "audit/day.hpp"
#include "audit/log.hpp"
#include "base/error.hpp"

#include <string>

namespace qops::audit {

inline constexpr size_t k_default_summary_limit = 50;

struct Summary {
    std::string date; // YYYY-MM-DD
    uint64_t total = 0;
    std::vector<Entry> recent; // the most recent entries, oldest first
    uint64_t out_of_order = 0; // entries read that are stamped before one above them (audit/day.hpp)
    bool scanned_all = false;  // a clock step back beyond the search's window made it read every file
    std::string checkpoint;    // the log's latest signed checkpoint (witnessed by whoever keeps the summary)
};

// "today", "yesterday" or a real YYYY-MM-DD (UTC). Errors: usage.
Result<std::string> resolve_date(const std::string& text, int64_t now_epoch);

// The summary of `date` over the log's files, oldest first (audit/day.hpp: what counts,
// and how it is found without reading every file). Errors: unavailable.
Result<Summary> summarize(const std::vector<std::string>& files, const std::string& date, size_t limit);

// The original's text: title, total, the recent actions between rules, "… N more", the
// log's checkpoint when there is one, the count line.
std::string render_text(const Summary& s);
std::string render_json(const Summary& s);
std::string title(const std::string& date);

} // namespace qops::audit
