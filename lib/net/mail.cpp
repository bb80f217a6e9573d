#include "net/mail.hpp"

#include "base/secret.hpp"
#include "base/text.hpp"
#include "base/time.hpp"
#include "crypto/base64.hpp"
#include "net/http.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>

namespace qops::net {
namespace {

// RFC 2045: encoded lines are at most 76 octets; the soft break '=' takes one of them.
constexpr size_t k_qp_line_octets = 75;
// 39 bytes of UTF-8 are 52 base64 characters: with "=?UTF-8?B?" and "?=" a word of 64,
// which leaves room for "Subject: " within the 78-octet line RFC 5322 recommends.
constexpr size_t k_word_bytes = 39;

// A mailbox we may put between angle brackets: no spaces, controls, quotes, brackets,
// commas or semicolons, one '@' with something on each side.
bool plain_address(std::string_view a) {
    if (a.empty() || a.size() > 254) return false;
    for (const char ch : a) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f || ch == '<' || ch == '>' || ch == '"' || ch == ',' || ch == ';' || ch == '(' ||
            ch == ')' || ch == '\\')
            return false;
    }
    const size_t at = a.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < a.size() && a.find('@', at + 1) == std::string_view::npos;
}

Result<StartTls> starttls_mode(const std::string& value) {
    if (value.empty() || value == "no" || value == "0" || value == "off") return StartTls::off;
    if (value == "try" || value == "auto") return StartTls::when_offered;
    if (value == "yes" || value == "1" || value == "required") return StartTls::required;
    return usage_error("QT_SMTP_STARTTLS must be no, try or yes");
}

} // namespace

std::string rfc5322_date(int64_t epoch_seconds) {
    static constexpr const char* k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", k_days[tm.tm_wday], tm.tm_mday,
                       k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string quoted_printable(std::string_view text) {
    std::string out;
    size_t column = 0;
    auto put = [&](std::string_view piece) {
        if (column + piece.size() > k_qp_line_octets) {
            out += "=\r\n";
            column = 0;
        }
        out += piece;
        column += piece.size();
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue; // CRLF: one line end
        if (c == '\n') {
            out += "\r\n";
            column = 0;
            continue;
        }
        const bool line_end = i + 1 == text.size() || text[i + 1] == '\n' || text.substr(i + 1, 2) == "\r\n";
        // Trailing blanks may be stripped in transit and a leading dot is SMTP's end
        // marker to a careless relay: both are encoded.
        const bool literal = (c > 0x20 && c < 0x7f && c != '=' && !(c == '.' && column == 0)) ||
                             ((c == ' ' || c == '\t') && !line_end && column != 0);
        if (literal) {
            const char ch = static_cast<char>(c);
            put(std::string_view(&ch, 1));
        } else {
            put(fmt::format("={:02X}", c));
        }
    }
    return out;
}

std::string encoded_words(std::string_view value) {
    std::string out;
    size_t i = 0;
    while (i < value.size() || out.empty()) {
        size_t end = i;
        while (end < value.size()) {
            const size_t n = std::max<size_t>(1, text::utf8_sequence_length(value, end));
            if (end + n - i > k_word_bytes) break;
            end += n;
        }
        if (!out.empty()) out += "\r\n "; // folding: the next line continues the header
        out += "=?UTF-8?B?" + crypto::base64_encode(std::string(value.substr(i, end - i))) + "?=";
        i = end;
        if (i >= value.size()) break;
    }
    return out;
}

Result<std::string> compose_mail(const MailSettings& s, std::string_view subject, std::string_view body,
                                 std::string_view message_id, int64_t date_epoch) {
    if (!plain_address(s.from)) return usage_error("QT_SMTP_FROM is not a plain mail address");
    if (!plain_address(s.to)) return usage_error("QT_AUDIT_EMAIL is not a plain mail address");
    std::string id_left;
    for (const char c : message_id)
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')
            id_left += c;
    std::string headers = fmt::format("Date: {}\r\nFrom: <{}>\r\nTo: <{}>\r\nSubject: {}\r\n", rfc5322_date(date_epoch),
                                      s.from, s.to, encoded_words(subject));
    if (!id_left.empty()) {
        const std::string domain = s.from.substr(s.from.find('@') + 1);
        headers += fmt::format("Message-ID: <{}@{}>\r\n", id_left, domain);
    }
    headers += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    std::string message = headers + quoted_printable(body);
    if (!message.ends_with("\r\n")) message += "\r\n";
    return message;
}

MailSettings::~MailSettings() {
    wipe(password);
}

std::string smtp_url(const MailSettings& s) {
    if (s.server.starts_with("smtp://") || s.server.starts_with("smtps://")) {
        const size_t host = s.server.find("://") + 3;
        const bool has_port = s.server.find(':', host) != std::string::npos;
        return has_port || s.port.empty() ? s.server : s.server + ":" + s.port;
    }
    return fmt::format("smtp://{}:{}", s.server, s.port.empty() ? "25" : s.port);
}

Result<void> send_text_mail(const MailSettings& s, std::string_view subject, std::string_view body,
                            std::chrono::milliseconds timeout, std::string_view message_id) {
    auto mode = starttls_mode(s.starttls);
    if (!mode) return mode.error();
    const std::string url = smtp_url(s);
    if (!s.user.empty() && !url.starts_with("smtps://") && *mode != StartTls::required)
        return usage_error("QT_SMTP_USER is set: the password is sent only over TLS; use smtps:// or "
                           "QT_SMTP_STARTTLS=yes");
    auto message = compose_mail(s, subject, body, message_id, now_epoch_seconds());
    if (!message) return message.error();
    const SmtpLogin login{s.user, s.password};
    return send_mail(url, s.from, s.to, *message, timeout, *mode, s.ca_file, s.user.empty() ? nullptr : &login);
}

} // namespace qops::net
