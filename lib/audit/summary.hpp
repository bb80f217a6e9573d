#pragma once
// The daily summary of the audit log, in the original's format.

#include "audit/log.hpp"
#include "base/error.hpp"

#include <string>

namespace qops::audit {

inline constexpr size_t k_default_summary_limit = 50;

struct Summary {
    std::string date; // YYYY-MM-DD
    uint64_t total = 0;
    std::vector<Entry> recent; // the most recent entries, oldest first
};

// "today", "yesterday" or a real YYYY-MM-DD (UTC). Errors: usage.
Result<std::string> resolve_date(const std::string& text, int64_t now_epoch);

// Finds the day by seeking and reads only its entries.
Result<Summary> summarize(const std::string& log, const std::string& date, size_t limit);

// The original's text: title, total, the recent actions between rules, "… N more", the count line.
std::string render_text(const Summary& s);
std::string render_json(const Summary& s);
std::string title(const std::string& date);

} // namespace qops::audit
