#pragma once
// HTTP(S) and SMTP through libcurl: the webhook POST, the ledger's metrics snapshot GET,
// and mail through a relay. Every transfer has a bounded time.

#include "base/error.hpp"

#include <chrono>
#include <string>

namespace qops::net {

struct HttpResponse {
    long status = 0;
    std::string body;
};

// POSTs body as application/json. Errors: unavailable (connection, timeout).
Result<HttpResponse> post_json(const std::string& url, const std::string& body, std::chrono::milliseconds timeout);

// GETs url, keeping at most max_bytes of the body (larger bodies fail). Errors: unavailable.
Result<HttpResponse> get(const std::string& url, std::chrono::milliseconds timeout, size_t max_bytes);

// Whether an smtp:// transfer upgrades with STARTTLS (smtps:// is TLS from the start).
enum class StartTls { off, when_offered, required };

// SMTP AUTH credentials (the password is a secret).
struct SmtpLogin {
    const std::string& user;
    const std::string& password;
};

// Sends an RFC 5322 message (headers, blank line, body; CRLF line ends) through the
// relay at smtp_url (smtp:// or smtps://); ca_file, when not empty, adds the CA bundle
// that verifies the relay; login, when given, authenticates. Errors: unavailable.
Result<void> send_mail(const std::string& smtp_url, const std::string& from, const std::string& to,
                       const std::string& message, std::chrono::milliseconds timeout, StartTls starttls = StartTls::off,
                       const std::string& ca_file = {}, const SmtpLogin* login = nullptr);

} // namespace qops::net
