// audit-summary --notify as a whole process against aiosmtpd on loopback: the mail a
// relay accepts (RFC 5322 Date, lines within 998 octets, STARTTLS when required).

#include "support/background.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

using namespace qops::test;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> mails_in(const std::string& maildir) {
    std::vector<std::string> out;
    for (const auto* sub : {"/new", "/cur"})
        if (fs::exists(maildir + sub))
            for (const auto& f : fs::directory_iterator(maildir + sub))
                out.push_back(slurp(f.path().string()));
    return out;
}

// Decodes a quoted-printable body as a mail reader does.
std::string qp_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=' && i + 1 < s.size() && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
            i += s[i + 1] == '\r' ? size_t{2} : size_t{1};
        } else if (s[i] == '=' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else if (s[i] != '\r') {
            out += s[i];
        }
    }
    return out;
}

struct Summary {
    TempDir tmp;
    std::string log = tmp.file("audit.log");
    int port = free_port();

    RunOptions env() const {
        RunOptions o;
        o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "QT_ALERT_WEBHOOK", "QT_AUDIT_KEY_FILE",
                       "CREDENTIALS_DIRECTORY"};
        o.env["QT_AUDIT_EMAIL"] = "desk@example.org";
        o.env["QT_SMTP_SERVER"] = "127.0.0.1";
        o.env["QT_SMTP_PORT"] = std::to_string(port);
        o.env["QT_SMTP_FROM"] = "quantum-ops@example.org";
        return o;
    }
    void append(const std::string& message) const {
        REQUIRE(run({"audit-log", "--log", log, "append", message}, env()).exit_code == 0);
    }
    RunResult notify(const RunOptions& o) const {
        return run({"audit-summary", "--log", log, "--date", "today", "--notify"}, o);
    }
};

} // namespace

TEST_CASE("audit summary mail: RFC 5322 Date, no line over 998 octets, the long entry intact") {
    Summary s;
    const std::string long_entry = "long\tentry " + std::string(4000, 'q') + " end-of-long";
    s.append("Auto-repair: Restarted Grafana container");
    s.append(long_entry);
    Background smtp({"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(s.port), "-c",
                     "aiosmtpd.handlers.Mailbox", s.tmp.file("maildir")},
                    s.tmp.file("smtp.log"));
    REQUIRE(wait_for_port(s.port, 10000));
    auto r = s.notify(s.env());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto mails = mails_in(s.tmp.file("maildir"));
    REQUIRE(mails.size() == 1);
    const std::string& m = mails[0];
    const std::regex date(
        R"((^|\n)Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000\r?\n)");
    CHECK(std::regex_search(m, date));
    CHECK_THAT(m, Catch::Contains("Message-ID: <qops.summary."));
    size_t start = 0;
    for (size_t nl; (nl = m.find('\n', start)) != std::string::npos; start = nl + 1)
        CHECK(nl - start <= 998);
    const std::string body = qp_decode(m.substr(m.find("\n\n") + 2));
    CHECK_THAT(body, Catch::Contains("long\\tentry " + std::string(4000, 'q') + " end-of-long"));
    CHECK_THAT(body, Catch::Contains("📊 Total Actions: 2"));
}

TEST_CASE("audit summary mail: STARTTLS to a relay that requires it") {
    Summary s;
    s.append("Weekly self-heal: All checks passed");
    const std::string cert = s.tmp.file("cert.pem");
    const std::string key = s.tmp.file("key.pem");
    auto gen = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"});
    if (gen.exit_code != 0) QOPS_SKIP("openssl cannot make a test certificate: " << gen.err);
    Background smtp({"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(s.port), "-c",
                     "aiosmtpd.handlers.Mailbox", s.tmp.file("maildir"), "--tlscert", cert, "--tlskey", key},
                    s.tmp.file("smtp.log"));
    REQUIRE(wait_for_port(s.port, 10000));

    SECTION("QT_SMTP_STARTTLS=yes with the relay's CA: delivered") {
        auto o = s.env();
        o.env["QT_SMTP_STARTTLS"] = "yes";
        o.env["QT_SMTP_CA_FILE"] = cert;
        auto r = s.notify(o);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(mails_in(s.tmp.file("maildir")).size() == 1);
    }
    SECTION("try: upgraded because the relay offers it") {
        auto o = s.env();
        o.env["QT_SMTP_STARTTLS"] = "try";
        o.env["QT_SMTP_CA_FILE"] = cert;
        auto r = s.notify(o);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(mails_in(s.tmp.file("maildir")).size() == 1);
    }
    SECTION("plain: the relay refuses, WARN and exit 3") {
        auto r = s.notify(s.env());
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("WARN: Summary not mailed"));
        CHECK(mails_in(s.tmp.file("maildir")).empty());
    }
    SECTION("an unknown QT_SMTP_STARTTLS is named") {
        auto o = s.env();
        o.env["QT_SMTP_STARTTLS"] = "maybe";
        auto r = s.notify(o);
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("QT_SMTP_STARTTLS must be no, try or yes"));
    }
}
