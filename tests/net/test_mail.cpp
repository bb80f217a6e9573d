#include "net/mail.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace qops;
using namespace qops::net;

namespace {

std::vector<std::string> crlf_lines(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = s.find("\r\n", start)) != std::string::npos; start = nl + 2)
        out.push_back(s.substr(start, nl - start));
    out.push_back(s.substr(start));
    return out;
}

// Decodes quoted-printable as a mail reader does.
std::string qp_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=' && s.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
        } else if (s[i] == '=' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else if (s.compare(i, 2, "\r\n") == 0) {
            out += '\n';
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

MailSettings settings() {
    MailSettings s;
    s.from = "quantum-ops@example.org";
    s.to = "desk@example.org";
    return s;
}

} // namespace

TEST_CASE("mail: the Date header is in RFC 5322 form") {
    CHECK(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(1796195532) == "Wed, 02 Dec 2026 07:12:12 +0000");
}

TEST_CASE("mail: quoted-printable keeps every line within the limits and decodes back") {
    SECTION("a 5000-character escaped line") {
        const std::string body = "start " + std::string(5000, 'x') + " \\r\\nSubject: forged end\n";
        const std::string qp = quoted_printable(body);
        for (const auto& l : crlf_lines(qp))
            CHECK(l.size() <= 76);
        CHECK(qp_decode(qp) == body);
    }
    SECTION("bare CR, LF, CRLF, trailing blanks, leading dots, '=' and UTF-8") {
        const std::string body = "a\rb\r\nc \n.dot\n=eq\t\n📊 Total";
        const std::string qp = quoted_printable(body);
        CHECK(qp.find('\r') == qp.find("\r\n")); // every CR starts a CRLF
        for (const auto& l : crlf_lines(qp)) {
            CHECK(l.size() <= 76);
            CHECK_FALSE(l.starts_with("."));
            CHECK_FALSE(l.ends_with(" "));
        }
        CHECK(qp_decode(qp) == "a\rb\nc \n.dot\n=eq\t\n📊 Total");
    }
}

TEST_CASE("mail: the subject is encoded words folded on character boundaries") {
    const std::string subject = "EXIT_OWNER_VIOLATION \r\nBcc: victim@example.org " + std::string(30, 'y') + " 📊📊📊";
    const std::string h = encoded_words(subject);
    CHECK(h.find("\r\nBcc") == std::string::npos);
    for (const auto& l : crlf_lines(h)) {
        CHECK(l.size() + 9 <= 78);
        CHECK_THAT(l, Catch::StartsWith("=?UTF-8?B?") || Catch::StartsWith(" =?UTF-8?B?"));
    }
    CHECK(encoded_words("") == "=?UTF-8?B?"
                               "?=");
}

TEST_CASE("mail: compose_mail writes one header block no value can extend") {
    auto m =
        compose_mail(settings(), "Alert\r\nBcc: x@example.org", std::string(3000, 'z') + "\nend\n", "qops.key:1", 0);
    REQUIRE(m.ok());
    const std::string head = m->substr(0, m->find("\r\n\r\n"));
    CHECK_THAT(head, Catch::Contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
    CHECK_THAT(head, Catch::Contains("From: <quantum-ops@example.org>\r\nTo: <desk@example.org>\r\n"));
    CHECK_THAT(head, Catch::Contains("Message-ID: <qops.key1@example.org>"));
    CHECK_THAT(head, Catch::Contains("Content-Transfer-Encoding: quoted-printable"));
    CHECK(head.find("Bcc") == std::string::npos);
    for (const auto& l : crlf_lines(*m))
        CHECK(l.size() <= 998);

    SECTION("addresses with CRLF, brackets or spaces are refused") {
        for (const std::string bad : {"a@b\r\nBcc: c@d", "<a@b>", "a b@c", "nobody", "a@b,c@d"}) {
            auto s = settings();
            s.to = bad;
            auto r = compose_mail(s, "x", "y", "", 0);
            CHECK_FALSE(r.ok());
            if (!r) CHECK(r.error().code == ExitCode::usage);
        }
    }
}

TEST_CASE("mail: the relay URL") {
    auto s = settings();
    CHECK(smtp_url(s) == "smtp://localhost:25");
    s.server = "relay.example.org";
    s.port = "587";
    CHECK(smtp_url(s) == "smtp://relay.example.org:587");
    s.server = "smtps://relay.example.org";
    CHECK(smtp_url(s) == "smtps://relay.example.org:587");
    s.port.clear();
    CHECK(smtp_url(s) == "smtps://relay.example.org");
    s.server = "smtp://relay.example.org:2525";
    s.port = "25";
    CHECK(smtp_url(s) == "smtp://relay.example.org:2525");
}
