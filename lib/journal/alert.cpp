#include "journal/alert.hpp"

#include "util/time.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::journal {
namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        len = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        len = 3;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        len = 4;
    else
        return 0;
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) || (b0 == 0xF0 && b1 < 0x90) ||
        (b0 == 0xF4 && b1 > 0x8F))
        return 0; // overlong, surrogate or beyond U+10FFFF
    return len;
}

} // namespace

std::string printable(std::string_view raw, size_t max_bytes) {
    const bool cut = raw.size() > max_bytes;
    raw = raw.substr(0, max_bytes);
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size();) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (c == '\n') {
            out += "\\n";
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\x{:02x}", c);
            ++i;
        } else if (size_t len = utf8_sequence(raw, i); len > 0) {
            out.append(raw.substr(i, len));
            i += len;
        } else if (cut && raw.size() - i < 4) {
            break; // a character split by the cut, not an invalid byte
        } else {
            out += fmt::format("\\x{:02x}", c);
            ++i;
        }
    }
    if (cut) out += "...";
    return out;
}

std::string dedup_key(const std::string& unit, const std::string& first_cursor, const std::string& last_cursor) {
    const auto first = parse_cursor(first_cursor);
    const auto last = parse_cursor(last_cursor);
    if (!first || !last) return fmt::format("{}:{}:{}", unit, first_cursor, last_cursor);
    if (first->seqnum_id == last->seqnum_id)
        return fmt::format("{}:{}:{:x}-{:x}", unit, first->seqnum_id, first->seqnum, last->seqnum);
    return fmt::format("{}:{}:{:x}-{}:{:x}", unit, first->seqnum_id, first->seqnum, last->seqnum_id, last->seqnum);
}

Fields alert_fields(const ScanResult& scan, const AlertContext& ctx) {
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : scan.samples)
        samples.push_back(
            {{"ts", iso8601_utc_micros(s.realtime_usec)}, {"host", s.hostname}, {"message", printable(s.message)}});
    return Fields{
        {"alert_type", k_alert_type},
        {"deny_count", std::to_string(scan.matched)},
        {"window", ctx.window},
        {"timestamp", std::to_string(ctx.now_epoch)},
        {"host", ctx.host},
        {"first_ts", iso8601_utc_micros(scan.first_usec)},
        {"last_ts", iso8601_utc_micros(scan.last_usec)},
        {"sample", scan.samples.empty() ? std::string() : printable(scan.samples.front().message)},
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
    if (redis::is_error_reply(*reply) || !reply->is_string())
        return Error{ExitCode::unavailable, fmt::format("XADD {} refused: {}", k_alerts_stream, reply->str())};
    return std::string(reply->str());
}

} // namespace qops::journal
