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

Fields alert_fields(const ScanResult& scan, const AlertContext& ctx) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : scan.samples)
        samples.push_back({{"ts", iso8601_utc_micros(s.realtime_usec)},
                           {"host", text::escape(s.hostname)},
                           {"message", text::escape_prefix(s.message, k_max_sample_bytes)}});
    return Fields{
        {"alert_type", k_alert_type},
        {"deny_count", std::to_string(scan.matched)},
        {"window", ctx.window},
        {"timestamp", std::to_string(ctx.now_epoch)},
        {"host", ctx.host},
        {"first_ts", iso8601_utc_micros(scan.first_usec)},
        {"last_ts", iso8601_utc_micros(scan.last_usec)},
        {"sample",
         scan.samples.empty() ? std::string() : text::escape_prefix(scan.samples.front().message, k_max_sample_bytes)},
        {"samples", samples.dump()},
        {"unit", ctx.unit},
        {"mode", ctx.mode},
        {"source", ctx.source},
        {"gap", ctx.gap ? "1" : "0"},
        {"first_cursor", scan.first_cursor},
        {"last_cursor", scan.last_cursor},
        {"dedup_key", dedup_key(ctx.unit, scan.first_cursor, scan.last_cursor)},
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
