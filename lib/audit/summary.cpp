#include "audit/summary.hpp"

#include "util/http.hpp"
#include "util/time.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::audit {
namespace {

constexpr size_t k_discord_limit = 1900; // Discord refuses content over 2000 characters

bool real_date(int y, int m, int d) {
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= k_days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// RFC 2047 encoded-word for a UTF-8 header value.
std::string mime_header(const std::string& value) {
    static constexpr char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(value.data());
    for (; i + 2 < value.size(); i += 3) {
        const unsigned v = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8) | unsigned{p[i + 2]};
        out += {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], k_b64[(v >> 6) & 63], k_b64[v & 63]};
    }
    if (i + 1 == value.size()) {
        const unsigned v = unsigned{p[i]} << 16;
        out += {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == value.size()) {
        const unsigned v = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8);
        out += {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], k_b64[(v >> 6) & 63], '='};
    }
    return "=?UTF-8?B?" + out + "?=";
}

} // namespace

Result<std::string> resolve_date(const std::string& text, int64_t now_epoch) {
    if (text == "today") return iso8601_utc(now_epoch).substr(0, 10);
    if (text == "yesterday") return iso8601_utc(now_epoch - 86400).substr(0, 10);
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && text[4] == '-' &&
        text[7] == '-' && real_date(y, m, d))
        return text;
    return Error{ExitCode::usage, fmt::format("invalid --date '{}': expected YYYY-MM-DD, today or yesterday", text)};
}

Result<Summary> summarize(const std::string& log, const std::string& date, size_t limit) {
    auto range = find_day(log, date);
    if (!range) return range.error();
    auto entries = read_range(log, *range, limit);
    if (!entries) return entries.error();
    return Summary{date, entries->count, std::move(entries->recent)};
}

std::string title(const std::string& date) { return fmt::format("Quantum Trader V3 – Daily Audit Summary ({})", date); }

std::string render_text(const Summary& s) {
    const std::string rule(60, '=');
    std::string out = title(s.date) + "\n\n" + fmt::format("📊 Total Actions: {}\n\n", s.total);
    if (s.total == 0) {
        out += "No actions recorded.\n\n";
    } else {
        out += "Recent Actions:\n" + rule + "\n";
        if (s.total > s.recent.size())
            out += fmt::format("… {} earlier actions not shown (the {} most recent follow)\n", s.total - s.recent.size(),
                               s.recent.size());
        for (const auto& e : s.recent) out += e.text + "\n";
        out += rule + "\n\n";
    }
    out += fmt::format("✅ {} auto-repair actions executed\n", s.total);
    return out;
}

std::string render_json(const Summary& s) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& e : s.recent) actions.push_back({{"timestamp", e.timestamp}, {"message", e.message}});
    return nlohmann::json{{"date", s.date},
                          {"title", title(s.date)},
                          {"total", s.total},
                          {"shown", s.recent.size()},
                          {"more", s.total - s.recent.size()},
                          {"actions", actions}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<void> post_webhook(const std::string& url, const std::string& text, std::chrono::milliseconds timeout) {
    std::string content = text.size() > k_discord_limit ? text.substr(0, k_discord_limit) + "\n…" : text;
    const std::string body = nlohmann::json{{"text", text}, {"content", content}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto reply = http::post_json(url, body, timeout);
    if (!reply) return Error{reply.error().code, "webhook: " + reply.error().message};
    if (reply->status < 200 || reply->status > 299)
        return Error{ExitCode::unavailable, fmt::format("webhook: HTTP {}", reply->status)};
    return {};
}

Result<void> send_mail(const std::string& server, const std::string& port, const std::string& from,
                       const std::string& to, const std::string& subject, const std::string& body,
                       std::chrono::milliseconds timeout) {
    std::string message = fmt::format("Date: {}\r\nFrom: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nMIME-Version: 1.0\r\n"
                                      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
                                      human_utc(now_epoch_seconds()) + " +0000", from, to, mime_header(subject));
    for (const char c : body) {
        if (c == '\n') message += "\r\n";
        else message += c;
    }
    return http::send_mail(fmt::format("smtp://{}:{}", server, port), from, to, message, timeout);
}

} // namespace qops::audit
