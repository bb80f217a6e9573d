#pragma once
// The EXIT_OWNER_VIOLATION alert: its fields (CONTRACT.md, "Exit-owner watch" and its
// fleet edition), one per journal source with something to report, and its XADD to
// quantum:stream:alerts.

#include "base/error.hpp"
#include "redis/client.hpp"
#include "watch/scanner.hpp"

#include <string>
#include <utility>
#include <vector>

namespace qops::watch {

inline constexpr const char* k_alerts_stream = "quantum:stream:alerts";
inline constexpr const char* k_alert_type = "EXIT_OWNER_VIOLATION";
// Bounds the shared stream's memory; consumers read far faster than this fills.
inline constexpr long k_alerts_maxlen = 10000;

struct AlertContext {
    std::string unit;
    std::string window; // span covered: since the previous run, or the look-back
    std::string mode;   // "checkpoint" or "window"
    std::string source; // "local" or the journal directory
    std::string host;   // the host running the watch
    int64_t now_epoch = 0;
    bool gap = false; // events of this source may have been rotated away or skipped
};

using Fields = std::vector<std::pair<std::string, std::string>>;

// A stable key for the alert's events, "UNIT:SEQNUM_ID:FIRST-LAST" (the sequence and
// numbers of the first and last cursor, hex as in cursors): the same batch gives the same
// key, so a duplicate after a crash between XADD and checkpoint is recognisable downstream.
std::string dedup_key(const std::string& unit, const std::string& first_cursor, const std::string& last_cursor);

// The key of a source's alert: dedup_key() of its first and last match, or, when it has
// only unreadable entries, of the position it resumed from and the last entry examined.
std::string source_dedup_key(const std::string& unit, const SourceScan& scan);

// Whether the source's scan calls for an alert: matches, or entries that could not be read.
bool needs_alert(const SourceScan& scan);

// The alert's field/value pairs for one source, in a fixed order.
Fields alert_fields(const SourceScan& scan, const AlertContext& context);

// XADDs the fields to quantum:stream:alerts (MAXLEN ~ k_alerts_maxlen) and returns the
// entry id. Errors: unavailable.
Result<std::string> publish_alert(redis::Client& redis, const Fields& fields);

} // namespace qops::watch
