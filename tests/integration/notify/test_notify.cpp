// A person is told: exit-owner-watch and emergency-stop deliver their alerts to a webhook
// receiver and an SMTP server on loopback, once per alert, whatever fails in between.

#include "support/background.hpp"
#include "support/journal_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

using namespace qops;
using namespace qops::test;

namespace {

namespace fs = std::filesystem;

const std::string k_sink = std::string(QOPS_TEST_DATA_DIR) + "/audit/http_sink.py";

// A webhook receiver on port: each POST body lands in dir/<n>.json.
struct Receiver {
    Receiver(const TempDir& tmp, int port, const std::string& name)
        : dir(tmp.file(name)),
          server((fs::create_directories(dir),
                  std::vector<std::string>{"/usr/bin/python3", k_sink, std::to_string(port), dir, "204"}),
                 tmp.file(name + ".log")) {
        REQUIRE(wait_for_port(port, 10000));
    }
    std::vector<nlohmann::json> posts() const {
        std::vector<nlohmann::json> out;
        for (int i = 1; fs::exists(dir + "/" + std::to_string(i) + ".json"); ++i)
            out.push_back(nlohmann::json::parse(slurp(dir + "/" + std::to_string(i) + ".json")));
        return out;
    }
    std::string dir;
    Background server;
};

// An SMTP server (aiosmtpd) writing each message into a maildir.
struct MailServer {
    MailServer(const TempDir& tmp, int port)
        : dir(tmp.file("maildir")),
          server({"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port), "-c",
                  "aiosmtpd.handlers.Mailbox", dir},
                 tmp.file("smtp.log")) {
        REQUIRE(wait_for_port(port, 10000));
    }
    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (const auto* sub : {"/new", "/cur"})
            if (fs::exists(dir + sub))
                for (const auto& f : fs::directory_iterator(dir + sub))
                    out.push_back(slurp(f.path().string()));
        return out;
    }
    std::string dir;
    Background server;
};

struct Watch {
    TempDir tmp;
    TempDir journal;
    TempDir state;
    RedisServer redis;
    int http_port = free_port();
    int smtp_port = free_port();

    std::string outbox() const { return state.path() + "/exit-owner-watch.outbox"; }

    RunResult run_watch(bool mail = false) const {
        RunOptions o;
        o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "STATE_DIRECTORY", "QT_AUDIT_EMAIL"};
        o.env["QT_ALERT_WEBHOOK"] = "http://127.0.0.1:" + std::to_string(http_port) + "/hook";
        o.env["QT_NOTIFY_TIMEOUT_MS"] = "500";
        if (mail) {
            o.unset_env.pop_back();
            o.env["QT_AUDIT_EMAIL"] = "desk@example.org";
            o.env["QT_SMTP_SERVER"] = "127.0.0.1";
            o.env["QT_SMTP_PORT"] = std::to_string(smtp_port);
            o.env["QT_SMTP_FROM"] = "quantum-ops@example.org";
        }
        return run(
            {"exit-owner-watch", "--journal-dir", journal.path(), "--state-dir", state.path(), "--redis", redis.url()},
            o);
    }
    void deny(const std::string& message) const {
        write_journal(journal.file("a.journal"), {entry_at(-k_usec_per_min, message)});
    }
    size_t queued() const {
        size_t n = 0;
        if (fs::exists(outbox() + "/pending"))
            for ([[maybe_unused]] const auto& f : fs::directory_iterator(outbox() + "/pending"))
                ++n;
        return n;
    }
};

std::string text_of(const nlohmann::json& post) {
    return post.at("text").get<std::string>();
}

} // namespace

TEST_CASE("notify: one violation is one message on the webhook and one mail") {
    Watch w;
    Receiver hook(w.tmp, w.http_port, "posts");
    MailServer smtp(w.tmp, w.smtp_port);
    w.deny("DENY_NOT_EXIT_OWNER order=1 caller=quantum-governor");

    auto r = w.run_watch(true);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("OK: Notification quantum-apply-layer.service:"));
    const auto posts = hook.posts();
    REQUIRE(posts.size() == 1);
    const std::string text = text_of(posts[0]);
    for (const auto* part : {"EXIT_OWNER_VIOLATION", "Host: ", "Unit: quantum-apply-layer.service", "Count: 1",
                             "First: ", "Last: ", "Samples:", "order=1 caller=quantum-governor",
                             "Runbook: /usr/share/doc/quantum-ops/runbooks/exit-owner-watch.md"})
        CHECK_THAT(text, Catch::Contains(part));
    CHECK(posts[0].at("allowed_mentions").at("parse").empty());
    const auto mails = smtp.messages();
    REQUIRE(mails.size() == 1);
    CHECK_THAT(mails[0], Catch::Contains("Subject: =?UTF-8?B?"));
    CHECK_THAT(mails[0], Catch::Contains("Message-ID: <qops"));
    CHECK_THAT(mails[0], Catch::Contains("Unit: quantum-apply-layer.service"));
    CHECK(w.queued() == 0);

    SECTION("the next run (nothing new) sends nothing") {
        auto again = w.run_watch(true);
        CHECK(again.exit_code == 0);
        CHECK(hook.posts().size() == 1);
        CHECK(smtp.messages().size() == 1);
    }
    SECTION("the same batch re-sent after a crash (checkpoint lost after the XADD) is still one message") {
        fs::remove(w.state.file("exit-owner-watch.quantum-apply-layer.service.json"));
        auto again = w.run_watch(true);
        INFO(again.err);
        CHECK(again.exit_code == 1); // alerted again in Redis, with the same dedup_key
        CHECK_THAT(again.err, Catch::Contains("queued or delivered before, not again"));
        CHECK(hook.posts().size() == 1);
        CHECK(smtp.messages().size() == 1);
    }
}

TEST_CASE("notify: webhook down for two runs, then up: delivered once, on the third") {
    Watch w;
    w.deny("DENY_NOT_EXIT_OWNER order=7");
    auto first = w.run_watch();
    INFO(first.err);
    CHECK(first.exit_code == 1); // the exit code is the watch's, not the delivery's
    CHECK_THAT(first.err, Catch::Contains("WARN: Notification quantum-apply-layer.service:"));
    CHECK_THAT(first.err, Catch::Contains("kept in the outbox for the next run"));
    CHECK(first.err.find("127.0.0.1:" + std::to_string(w.http_port)) == std::string::npos); // the URL is a secret
    CHECK(w.queued() == 1);

    auto second = w.run_watch();
    CHECK(second.exit_code == 0);
    CHECK_THAT(second.err, Catch::Contains("(attempt 2)"));
    CHECK(w.queued() == 1);

    Receiver hook(w.tmp, w.http_port, "posts");
    auto third = w.run_watch();
    INFO(third.err);
    CHECK(third.exit_code == 0);
    REQUIRE(hook.posts().size() == 1);
    CHECK_THAT(text_of(hook.posts()[0]), Catch::Contains("order=7"));
    CHECK(w.queued() == 0);

    auto fourth = w.run_watch();
    CHECK(fourth.exit_code == 0);
    CHECK(hook.posts().size() == 1);
}

TEST_CASE("notify: hostile journal text arrives inert on the webhook and in the mail") {
    Watch w;
    Receiver hook(w.tmp, w.http_port, "posts");
    MailServer smtp(w.tmp, w.smtp_port);
    w.deny("DENY_NOT_EXIT_OWNER @channel <!here> <!everyone> @everyone <@123456> <@&42> [x](http://evil.example)"
           "\r\nBcc: victim@example.org\r\nSubject: forged\r\n\r\nbody " +
           std::string(3000, 'x'));
    auto r = w.run_watch(true);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const auto posts = hook.posts();
    REQUIRE(posts.size() == 1);
    const auto& post = posts[0];
    const std::string slack = post.at("text");
    const std::string discord = post.at("content");
    CHECK_THAT(slack, Catch::Contains("&lt;!here&gt;"));
    // Slack's control sequences mean nothing to Discord; its mentions all start with '@'.
    for (const auto* bad : {"<!here>", "<!everyone>", "<!channel>", "@channel", "@everyone", "<@123456>"})
        CHECK(slack.find(bad) == std::string::npos);
    for (const auto* bad : {"@channel", "@everyone", "@here", "<@123456>", "<@&42>"})
        CHECK(discord.find(bad) == std::string::npos);
    CHECK(discord.find("](http") == std::string::npos);
    CHECK(post.at("allowed_mentions").at("parse").empty());

    const auto mails = smtp.messages();
    REQUIRE(mails.size() == 1);
    const std::string& m = mails[0];
    const std::string head = m.substr(0, m.find("\n\n"));
    CHECK(head.find("Bcc:") == std::string::npos);
    CHECK(head.find("forged") == std::string::npos);
    size_t subjects = 0;
    for (size_t p = head.find("Subject:"); p != std::string::npos; p = head.find("Subject:", p + 1))
        ++subjects;
    CHECK(subjects == 1);
    size_t start = 0;
    for (size_t nl; (nl = m.find('\n', start)) != std::string::npos; start = nl + 1)
        CHECK(nl - start <= 998);
}

TEST_CASE("notify: an emergency stop is told after the enforcement, a hung webhook delays nothing before it") {
    TempDir tmp;
    TempDir state;
    const int port = free_port();
    HungListener hung(port);
    const std::string latch = tmp.file("ESS_ON");
    RunOptions o;
    o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "QT_AUDIT_EMAIL"};
    o.env["STATE_DIRECTORY"] = state.path();
    o.env["QT_ALERT_WEBHOOK"] = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    o.env["QT_NOTIFY_TIMEOUT_MS"] = "400";
    // No system bus here: the enforcement cannot run, which is itself what a person must hear.
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + tmp.file("no-bus");
    o.env["QUANTUM_REDIS_URL"] = "redis://127.0.0.1:" + std::to_string(free_port()) + "/0";
    // trip enforces itself: without systemd no unit can be verified stopped (exit 1), and
    // the person is told of that failed enforcement, once.
    REQUIRE(run({"emergency-stop", "--latch", latch, "trip", "--reason", "proof @channel <!here>"}, o).exit_code == 1);

    const auto t0 = std::chrono::steady_clock::now();
    auto r = run({"emergency-stop", "--latch", latch, "enforce"}, o);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    INFO(r.err);
    CHECK(r.exit_code == 1); // the enforcement's own code: not verified stopped
    CHECK_THAT(r.err, Catch::Contains("WARN: Notification ESS_TRIPPED:"));
    CHECK(ms.count() < 3000);
    const std::string pending = state.path() + "/emergency-stop.outbox/pending";
    REQUIRE(fs::exists(pending));
    CHECK(std::distance(fs::directory_iterator(pending), fs::directory_iterator{}) == 1);

    SECTION("the next run delivers it once, marked not enforced") {
        const int up = free_port();
        Receiver hook(tmp, up, "posts");
        o.env["QT_ALERT_WEBHOOK"] = "http://127.0.0.1:" + std::to_string(up) + "/hook";
        auto s = run({"emergency-stop", "--latch", latch, "status"}, o);
        INFO(s.err);
        CHECK(s.exit_code == 3); // status without a bus, as before
        REQUIRE(hook.posts().size() == 1);
        const std::string text = text_of(hook.posts()[0]);
        CHECK_THAT(text, Catch::Contains("EMERGENCY STOP NOT ENFORCED"));
        CHECK_THAT(text, Catch::Contains("Runbook: /usr/share/doc/quantum-ops/runbooks/emergency-stop.md"));
        CHECK(text.find("<!here>") == std::string::npos);
        CHECK(text.find("@channel") == std::string::npos);
        run({"emergency-stop", "--latch", latch, "status"}, o);
        CHECK(hook.posts().size() == 1);
    }
}

TEST_CASE("notify: an outbox that cannot be written still lets this run deliver, with a WARN") {
    Watch w;
    Receiver hook(w.tmp, w.http_port, "posts");
    w.state.write("exit-owner-watch.outbox", "a file where the outbox directory should be\n");
    w.deny("DENY_NOT_EXIT_OWNER order=9");
    auto r = w.run_watch();
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("not queued: "));
    CHECK_THAT(r.err, Catch::Contains("delivered by this run only"));
    REQUIRE(hook.posts().size() == 1);
    CHECK_THAT(text_of(hook.posts()[0]), Catch::Contains("order=9"));
}

TEST_CASE("notify: a hung webhook leaves the checkpoint and the exit code as they were") {
    Watch w;
    HungListener hung(w.http_port);
    w.deny("DENY_NOT_EXIT_OWNER order=11");
    const auto t0 = std::chrono::steady_clock::now();
    auto r = w.run_watch();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("Timeout was reached; kept in the outbox for the next run"));
    CHECK(ms.count() < 3000); // one transfer's limit (500 ms here) after the work
    CHECK(fs::exists(w.state.file("exit-owner-watch.quantum-apply-layer.service.json")));
    CHECK(w.queued() == 1);
    auto again = w.run_watch();
    CHECK(again.exit_code == 0); // the events were checkpointed: not alerted again
    CHECK(w.queued() == 1);
}

TEST_CASE("notify: a channel that acknowledged is not sent again while another is retried") {
    Watch w;
    Receiver hook(w.tmp, w.http_port, "posts");
    w.deny("DENY_NOT_EXIT_OWNER order=12");
    auto first = w.run_watch(true); // no SMTP server yet
    INFO(first.err);
    CHECK(first.exit_code == 1);
    CHECK_THAT(first.err, Catch::Contains("not delivered by mail"));
    CHECK(hook.posts().size() == 1);
    CHECK(w.queued() == 1);

    MailServer smtp(w.tmp, w.smtp_port);
    auto second = w.run_watch(true);
    INFO(second.err);
    CHECK_THAT(second.err, Catch::Contains("delivered (webhook, mail)"));
    CHECK(hook.posts().size() == 1);
    CHECK(smtp.messages().size() == 1);
    CHECK(w.queued() == 0);
}
