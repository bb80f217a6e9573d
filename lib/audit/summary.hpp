#pragma once
// The daily summary of the audit log (the original's format) and its delivery.

#include "audit/log.hpp"
#include "util/error.hpp"

#include <chrono>
#include <string>

namespace qops::audit {

inline constexpr size_t k_default_summary_limit = 50;

struct Summary {
    std::string date;  // YYYY-MM-DD
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

// POSTs {"text": ..., "content": ...} (Slack and Discord both accept one of them).
// Errors: unavailable, with the HTTP status or curl's reason.
Result<void> post_webhook(const std::string& url, const std::string& text, std::chrono::milliseconds timeout);

// Sends a plain-text mail through an SMTP relay. Errors: unavailable.
Result<void> send_mail(const std::string& server, const std::string& port, const std::string& from,
                       const std::string& to, const std::string& subject, const std::string& body,
                       std::chrono::milliseconds timeout);

} // namespace qops::audit
