#pragma once
// Telling a person: a text posted to a Slack- or Discord-style webhook, or mailed through
// an SMTP relay.

#include "base/error.hpp"

#include <chrono>
#include <string>

namespace qops::net {

// POSTs {"text": ..., "content": ...} (Slack reads text, Discord content). Errors:
// unavailable, with the HTTP status or curl's reason (never the URL: it is a secret).
Result<void> post_webhook(const std::string& url, const std::string& text, std::chrono::milliseconds timeout);

struct MailSettings {
    std::string server = "localhost";
    std::string port = "25";
    std::string from;
    std::string to;
};

// Sends a plain-text UTF-8 mail through the relay. Errors: unavailable.
Result<void> send_text_mail(const MailSettings& settings, const std::string& subject, const std::string& body,
                            std::chrono::milliseconds timeout);

} // namespace qops::net
