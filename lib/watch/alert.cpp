#include "watch/alert.hpp"

#include "base/text.hpp"
#include "base/time.hpp"
#include "systemd/journal.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::watch {

std::string dedup_key(const std::string& unit, const std::string& first_cursor, const std::string& last_cursor) {
    const auto first = systemd::parse_cursor(first_cursor);
    const auto last = systemd::parse_cursor(last_cursor);
    if (!first || !last) return fmt::format("{}:{}:{}", unit, first_cursor, last_cursor);
    if (first->seqnum_id == last->seqnum_id)
        return fmt::format("{}:{}:{:x}-{:x}", unit, first->seqnum_id, first->seqnum, last->seqnum);
    return fmt::format("{}:{}:{:x}-{}:{:x}", unit, first->seqnum_id, first->seqnum, last->seqnum_id, last->seqnum);
}

std::string source_dedup_key(const std::string& unit, const SourceScan& scan) {
    if (scan.matched > 0) return dedup_key(unit, scan.first_cursor, scan.last_cursor);
    // Nothing matched: the batch is the range read, named by where it began (the same
    // on a re-send, since the checkpoint did not move) and where it ended.
    const std::string from =
        scan.resume == Resume::cursor ? scan.previous.cursor : fmt::format("{}@{}", scan.machine_id, scan.since_usec);
    return dedup_key(unit, from, scan.end_cursor);
}

bool needs_alert(const SourceScan& scan) {
    return scan.matched > 0 || scan.unreadable > 0;
}

Fields alert_fields(const SourceScan& scan, const AlertContext& ctx) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : scan.samples)
        samples.push_back({{"ts", iso8601_utc_micros(s.realtime_usec)},
                           {"host", text::escape(s.hostname)},
                           {"message", text::escape_prefix(s.message, k_max_sample_bytes)}});
    const bool any = scan.matched > 0;
    return Fields{
        {"alert_type", k_alert_type},
        {"deny_count", std::to_string(scan.matched)},
        {"window", ctx.window},
        {"timestamp", std::to_string(ctx.now_epoch)},
        {"host", ctx.host},
        {"first_ts", any ? iso8601_utc_micros(scan.first_usec) : std::string()},
        {"last_ts", any ? iso8601_utc_micros(scan.last_usec) : std::string()},
        {"sample",
         scan.samples.empty() ? std::string() : text::escape_prefix(scan.samples.front().message, k_max_sample_bytes)},
        {"samples", samples.dump()},
        {"unit", ctx.unit},
        {"mode", ctx.mode},
        {"source", ctx.source},
        {"source_host", text::escape(scan.host)},
        {"machine_id", scan.machine_id},
        {"unreadable", std::to_string(scan.unreadable)},
        {"gap", ctx.gap ? "1" : "0"},
        {"first_cursor", scan.first_cursor},
        {"last_cursor", scan.last_cursor},
        {"dedup_key", source_dedup_key(ctx.unit, scan)},
    };
}

Result<std::string> publish_alert(redis::Client& redis, const Fields& fields) {
    std::vector<std::string> cmd{"XADD", k_alerts_stream, "MAXLEN", "~", std::to_string(k_alerts_maxlen), "*"};
    for (const auto& [k, v] : fields) {
        cmd.push_back(k);
        cmd.push_back(v);
    }
    auto reply = redis.command(cmd);
    if (!reply) return reply.error();
    if (!reply->is_string()) return unavailable(fmt::format("XADD {}: not an entry id", k_alerts_stream));
    return std::string(reply->str());
}

} // namespace qops::watch
