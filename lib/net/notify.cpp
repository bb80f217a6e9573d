#include "net/notify.hpp"

#include "base/time.hpp"
#include "crypto/base64.hpp"
#include "net/http.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::net {
namespace {

constexpr size_t k_discord_limit = 1900; // Discord refuses content over 2000 characters

// RFC 2047 encoded-word for a UTF-8 header value.
std::string mime_header(const std::string& value) {
    return "=?UTF-8?B?" + crypto::base64_encode(value) + "?=";
}

} // namespace

Result<void> post_webhook(const std::string& url, const std::string& text, std::chrono::milliseconds timeout) {
    const std::string content = text.size() > k_discord_limit ? text.substr(0, k_discord_limit) + "\n…" : text;
    const std::string body = nlohmann::json{{"text", text}, {"content", content}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto reply = post_json(url, body, timeout);
    if (!reply) return with_context(Result<void>(reply.error()), "webhook");
    if (reply->status < 200 || reply->status > 299)
        return unavailable(fmt::format("webhook: HTTP {}", reply->status), ErrorKind::refused);
    return {};
}

Result<void> send_text_mail(const MailSettings& s, const std::string& subject, const std::string& body,
                            std::chrono::milliseconds timeout) {
    std::string message =
        fmt::format("Date: {}\r\nFrom: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
                    human_utc(now_epoch_seconds()) + " +0000", s.from, s.to, mime_header(subject));
    for (const char c : body) {
        if (c == '\n')
            message += "\r\n";
        else
            message += c;
    }
    return send_mail(fmt::format("smtp://{}:{}", s.server, s.port), s.from, s.to, message, timeout);
}

} // namespace qops::net
