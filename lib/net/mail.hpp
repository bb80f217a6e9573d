#pragma once
// Mail to a person: an RFC 5322 message (Date, Message-ID, encoded Subject, quoted-printable
// body, so no line exceeds the 998-octet limit and no value can add a header) sent through
// an SMTP relay, with STARTTLS or implicit TLS when configured.

#include "base/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace qops::net {

struct MailSettings {
    std::string server = "localhost"; // host, or smtp://host[:port] / smtps://host[:port]
    std::string port;                 // empty: the scheme's default (25, smtps 465)
    std::string from;
    std::string to;
    std::string starttls; // "", "no": plain; "try": when the server offers it; "yes": required
    std::string ca_file;  // extra CA bundle for the relay's certificate (empty: the system's)
    std::string user;     // SMTP AUTH user (empty: no AUTH)
    std::string password; // a secret: sent only over TLS, never logged, wiped when dropped

    MailSettings() = default;
    MailSettings(const MailSettings&) = default;
    MailSettings(MailSettings&&) noexcept = default;
    MailSettings& operator=(const MailSettings&) = default;
    MailSettings& operator=(MailSettings&&) noexcept = default;
    ~MailSettings();
};

// "Wed, 02 Dec 2026 07:02:12 +0000" (RFC 5322 section 3.3).
std::string rfc5322_date(int64_t epoch_seconds);

// Quoted-printable (RFC 2045) of UTF-8 text: LF or CRLF line ends become CRLF, every other
// control, '=', and non-ASCII byte is =XX, and soft breaks keep each line within 76 octets.
std::string quoted_printable(std::string_view text);

// An RFC 2047 Subject value: B-encoded words of whole UTF-8 characters, folded so each
// line stays under 78 octets.
std::string encoded_words(std::string_view value);

// The whole message (headers, blank line, body; CRLF line ends). message_id is the part
// before '@' of the Message-ID (a stable one lets mail clients drop a repeat). Errors: usage
// when from or to is not a plain address (no spaces, controls, quotes or angle brackets).
Result<std::string> compose_mail(const MailSettings& settings, std::string_view subject, std::string_view body,
                                 std::string_view message_id, int64_t date_epoch);

// The relay's URL from the settings: smtp://server:port unless the server is a URL already.
std::string smtp_url(const MailSettings& settings);

// Composes and sends a plain-text UTF-8 mail, logging in with user and password when a
// user is set. Errors: usage (addresses, starttls value, a password that would travel
// without TLS: it needs smtps:// or QT_SMTP_STARTTLS=yes), unavailable (connection, TLS,
// refusal, timeout).
Result<void> send_text_mail(const MailSettings& settings, std::string_view subject, std::string_view body,
                            std::chrono::milliseconds timeout, std::string_view message_id = {});

} // namespace qops::net
