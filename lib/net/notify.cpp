#include "net/notify.hpp"

#include "base/text.hpp"
#include "net/http.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::net {
namespace {

// Discord refuses content over 2000 characters; the rest is cut with a marker.
constexpr size_t k_discord_limit_bytes = 1900;
constexpr std::string_view k_zero_width_space = "\u200b";

// The longest prefix of s within max_bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
    size_t end = 0;
    while (end < s.size()) {
        const size_t n = std::max<size_t>(1, text::utf8_sequence_length(s, end));
        if (end + n > max_bytes) break;
        end += n;
    }
    return s.substr(0, end);
}

} // namespace

std::string slack_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '@')
            out += "@", out += k_zero_width_space;
        else
            out += c;
    }
    return out;
}

std::string discord_text(std::string_view text) {
    const bool cut = text.size() > k_discord_limit_bytes;
    const std::string_view kept = utf8_prefix(text, k_discord_limit_bytes);
    std::string out;
    for (size_t i = 0; i < kept.size(); ++i) {
        out += kept[i];
        // "@everyone", "<@id>", "<@&role>" and a masked link "[text](url)" stop parsing
        // at the zero-width space.
        if (kept[i] == '@' || (kept[i] == ']' && i + 1 < kept.size() && kept[i + 1] == '(')) out += k_zero_width_space;
    }
    if (cut) out += "\n…";
    return out;
}

std::string webhook_payload(std::string_view text) {
    return nlohmann::json{{"text", slack_text(text)},
                          {"content", discord_text(text)},
                          {"allowed_mentions", {{"parse", nlohmann::json::array()}}}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<void> post_webhook(const std::string& url, std::string_view text, std::chrono::milliseconds timeout) {
    auto reply = post_json(url, webhook_payload(text), timeout);
    if (!reply) return with_context(Result<void>(reply.error()), "webhook");
    if (reply->status < 200 || reply->status > 299)
        return unavailable(fmt::format("webhook: HTTP {}", reply->status), ErrorKind::refused);
    return {};
}

} // namespace qops::net
