// Secrets never leave: every tool runs, in its successes and its failure paths, with a
// distinctive canary as the Redis password, the webhook token, the SMTP password and the
// policy signing key (the key's 32-byte seed is a canary too). Then everything the runs
// left is searched for each canary and for every 4-character slice of it: stdout,
// stderr, the metrics files, the audit log, the state directories and outboxes, the
// webhook bodies and mails that were delivered, every key and stream in Redis, and the
// command lines (/proc/PID/cmdline) of every process while the tools were running.
// The journal of unit runs under a real systemd: proofs/proof_secrets.sh.

#include "crypto/base64.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/note.hpp"
#include "policy/document.hpp"
#include "support/background.hpp"
#include "support/journal_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace qops;
using namespace qops::test;

namespace {

namespace fs = std::filesystem;

// Every 4-character window of each canary holds a '~', which no hash, base64 or number
// the tools print contains, so a hit is a leak and not a coincidence.
const std::string k_redis_password = "Rd~4Kq~Zp8~Wm2~Xv6~Jc";
const std::string k_wrong_password = "Wr~9Ln~Bt3~Qs7~Hy1~Pf";
const std::string k_webhook_token = "Wh~5Gd~Mx2~Tz8~Ka4~Ue";
const std::string k_smtp_password = "Sm~3Vb~Nc7~Yq1~Dr5~Lo";
const std::string k_wrong_smtp = "Sx~8Fj~Ew2~Ri6~Ok4~Gh";
const std::string k_key_seed = "Sk~7Qp~Zm3~Wv9~Lt2~Hb5~Jn8~Rc4~F"; // 32 bytes each
const std::string k_audit_key_seed = "Ak~2Xe~Pv6~Gq1~Mw8~Tz3~Ln5~Dc9~H";
const std::string k_ledger_key_seed = "Lk~5Jb~Rt7~Yf2~Nh4~Wc8~Qs1~Vm6~K";

const std::vector<std::pair<std::string, std::string>> k_canaries = {
    {"redis password", k_redis_password},         {"wrong redis password", k_wrong_password},
    {"webhook token", k_webhook_token},           {"smtp password", k_smtp_password},
    {"wrong smtp password", k_wrong_smtp},        {"policy signing key seed", k_key_seed},
    {"audit signing key seed", k_audit_key_seed}, {"ledger signing key seed", k_ledger_key_seed},
};

const std::string k_sink = std::string(QOPS_TEST_DATA_DIR) + "/audit/http_sink.py";
const std::string k_smtp_auth = std::string(QOPS_TEST_DATA_DIR) + "/net/smtp_auth.py";
const std::string k_policy = std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";

// The PKCS#8 PEM of the Ed25519 key whose seed is seed (RFC 8410).
std::string pem_from_seed(const std::string& seed) {
    static const unsigned char k_prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                             0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    std::string der(reinterpret_cast<const char*>(k_prefix), sizeof k_prefix);
    der += seed;
    return "-----BEGIN PRIVATE KEY-----\n" + crypto::base64_encode(der) + "\n-----END PRIVATE KEY-----\n";
}

std::string write_secret(const TempDir& dir, const std::string& name, const std::string& content) {
    const std::string path = dir.write(name, content);
    ::chmod(path.c_str(), 0600);
    return path;
}

// Every process's command line, NULs as spaces.
std::string all_cmdlines() {
    std::string out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "cmdline", std::ios::binary);
        std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::replace(line.begin(), line.end(), '\0', ' ');
        out += name + ": " + line + "\n";
    }
    return out;
}

// The strings of an array reply (nested arrays flattened).
void strings_of(const redis::Reply& r, std::string& out) {
    if (r.is_array()) {
        for (size_t i = 0; i < r.size(); ++i)
            strings_of(r.element(i), out);
        return;
    }
    out += r.str();
    out += '\n';
}

// What the runs left behind, each piece named for the failure message.
struct Evidence {
    std::vector<std::pair<std::string, std::string>> pieces;

    void add(std::string what, std::string text) { pieces.emplace_back(std::move(what), std::move(text)); }
    void add_run(const std::string& what, const RunResult& r) {
        add(what + " stdout", r.out);
        add(what + " stderr", r.err);
    }
    // Every regular file below dir (except the names in skip).
    void add_tree(const std::string& dir, const std::vector<std::string>& skip = {}) {
        if (!fs::exists(dir)) return;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            if (!e.is_regular_file()) continue;
            const std::string p = e.path().string();
            if (std::find(skip.begin(), skip.end(), p) != skip.end()) continue;
            add(p, slurp(p));
        }
    }
};

} // namespace

TEST_CASE("canary: no fragment of a secret in any output, file, Redis key or command line") {
    TempDir secrets; // the secret files themselves: never searched
    TempDir work;    // everything the tools write
    TempDir receivers;
    Evidence ev;

    const std::string metrics = work.file("metrics");
    const std::string state = work.file("state");
    const std::string audit_log = work.file("log/audit.log");
    fs::create_directories(metrics);
    for (const auto* sub : {"", "/policy", "/watch1", "/watch2", "/watch3"})
        fs::create_directories(state + sub);
    fs::create_directories(work.file("log"));

    // Redis: the fixture's own connection stays open (default user); the tools log in
    // as "qops" with the canary password.
    RedisServer redis({false, {"user qops on >" + k_redis_password + " ~* &* +@all"}});
    const std::string port = std::to_string(redis.port());
    const std::string url_with_password = "redis://qops:" + k_redis_password + "@127.0.0.1:" + port + "/0";
    const std::string url_user_only = "redis://qops@127.0.0.1:" + port + "/0";
    const std::string password_file = write_secret(secrets, "redis-password", k_redis_password + "\n");

    // The policy signing key, its verifier key, the reader's state.
    const std::string key_file = write_secret(secrets, "policy-signing-key", pem_from_seed(k_key_seed));
    auto key = crypto::SigningKey::load_pem_file(key_file);
    REQUIRE(key.ok());
    const std::string verifier_keys =
        work.write("policy-verifier-keys", policy::policy_verifier_key(*key).text() + "\n");

    // A webhook receiver at a path that is the token, as Slack's and Discord's are.
    const int http_port = free_port();
    fs::create_directories(receivers.file("posts"));
    Background sink({"/usr/bin/python3", k_sink, std::to_string(http_port), receivers.file("posts"), "200"},
                    receivers.file("sink.log"));
    REQUIRE(wait_for_port(http_port, 10000));
    const std::string webhook = "http://127.0.0.1:" + std::to_string(http_port) + "/hooks/" + k_webhook_token;
    const std::string webhook_down = "http://127.0.0.1:" + std::to_string(free_port()) + "/hooks/" + k_webhook_token;
    const std::string webhook_file = write_secret(secrets, "alert-webhook", webhook + "\n");
    const std::string webhook_down_file = write_secret(secrets, "alert-webhook-down", webhook_down + "\n");
    TempDir credentials; // a systemd credentials directory
    write_secret(credentials, "alert-webhook", webhook + "\n");
    write_secret(credentials, "redis-password", k_redis_password + "\n");
    write_secret(credentials, "smtp-password", k_smtp_password + "\n");

    // An SMTP relay that requires STARTTLS and AUTH.
    const std::string cert = receivers.file("cert.pem");
    const std::string cert_key = receivers.file("cert.key");
    REQUIRE(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", cert_key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                 "subjectAltName=IP:127.0.0.1"})
                .exit_code == 0);
    const int smtp_port = free_port();
    const std::string smtp_password_file = write_secret(secrets, "smtp-password", k_smtp_password + "\n");
    const std::string wrong_smtp_file = write_secret(secrets, "smtp-wrong", k_wrong_smtp + "\n");
    Background relay({"/usr/bin/python3", k_smtp_auth, std::to_string(smtp_port), receivers.file("maildir"), "qops",
                      smtp_password_file, cert, cert_key},
                     receivers.file("smtp.log"));
    REQUIRE(wait_for_port(smtp_port, 10000));

    const std::string audit_key_file = write_secret(secrets, "audit-signing-key", pem_from_seed(k_audit_key_seed));
    const std::string ledger_key_file = write_secret(secrets, "ledger-signing-key", pem_from_seed(k_ledger_key_seed));
    const std::string ledger =
        work.write("OPS_CHANGELOG.md", slurp(std::string(QOPS_TEST_DATA_DIR) + "/ledger/seed_OPS_CHANGELOG.md"));

    auto base = [&] {
        RunOptions o;
        o.unset_env = {"JOURNAL_STREAM", "CREDENTIALS_DIRECTORY", "QT_ALERT_WEBHOOK", "QT_AUDIT_EMAIL",
                       "QUANTUM_REDIS_PASSWORD_FILE"};
        o.env["QUANTUM_METRICS_DIR"] = metrics;
        o.env["QT_AUDIT_LOG"] = audit_log;
        o.env["STATE_DIRECTORY"] = state;
        o.env["QUANTUM_POLICY_SIGNING_KEY_FILE"] = key_file;
        o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = verifier_keys;
        o.env["QUANTUM_POLICY_STATE_DIR"] = state + "/policy";
        o.env["QUANTUM_AUDIT_SIGNING_KEY_FILE"] = audit_key_file;
        o.env["QUANTUM_LEDGER_SIGNING_KEY_FILE"] = ledger_key_file;
        o.env["QUANTUM_VERIFIER_STATE_DIR"] = state + "/verifier";
        o.env["QUANTUM_REDIS_URL"] = url_with_password;
        o.env["QT_NOTIFY_TIMEOUT_MS"] = "800";
        // No system bus: the emergency stop's enforcement fails, which is a path too.
        o.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + work.file("no-bus");
        return o;
    };
    auto with_mail = [&](RunOptions o, const std::string& password_path) {
        o.env["QT_AUDIT_EMAIL"] = "desk@example.org";
        o.env["QT_SMTP_SERVER"] = "smtp://127.0.0.1:" + std::to_string(smtp_port);
        o.env["QT_SMTP_STARTTLS"] = "yes";
        o.env["QT_SMTP_CA_FILE"] = cert;
        o.env["QT_SMTP_FROM"] = "quantum-ops@example.org";
        o.env["QT_SMTP_USER"] = "qops";
        o.env["QT_SMTP_PASSWORD_FILE"] = password_path;
        return o;
    };
    auto step = [&](const std::string& what, const std::vector<std::string>& argv, const RunOptions& o,
                    std::vector<int> expected) {
        auto r = run(argv, o);
        INFO(what << ": exit " << r.exit_code << "\n" << r.err);
        CHECK(std::find(expected.begin(), expected.end(), r.exit_code) != expected.end());
        ev.add_run(what, r);
        return r;
    };

    // Successes.
    step("policy-refresh, password in the URL", {"policy-refresh", "--policy", k_policy}, base(), {0});
    step("policy-refresh --verifier-key", {"policy-refresh", "--verifier-key"}, base(), {0});
    {
        auto o = base();
        o.env["QUANTUM_REDIS_URL"] = url_user_only;
        o.env["QUANTUM_REDIS_PASSWORD_FILE"] = password_file;
        step("policy-show, password file", {"policy-show"}, o, {0});
        step("policy-show --json, password file", {"policy-show", "--json"}, o, {0});
    }
    {
        auto o = base();
        o.env["QUANTUM_REDIS_URL"] = url_user_only;
        o.env["CREDENTIALS_DIRECTORY"] = credentials.path();
        step("policy-show, credential", {"policy-show"}, o, {0});
    }
    {
        auto o = base();
        o.env["QUANTUM_REDIS_URL"] = url_user_only;
        o.env["QUANTUM_REDIS_PASSWORD_FILE"] = password_file;
        step("quantum-status --json, password file", {"quantum-status", "--json"}, o, {0, 1, 3, 4});
        step("quantum-status, URL with the password", {"quantum-status", "--redis", url_with_password}, base(),
             {0, 1, 3, 4});
    }
    step("audit-log append", {"audit-log", "append", "canary run: an ordinary action"}, base(), {0});
    {
        auto keys = step("audit-log verifier-key", {"audit-log", "verifier-key"}, base(), {0});
        auto lkeys = step("ops-ledger-append --verifier-key", {"ops-ledger-append", "--verifier-key"}, base(), {0});
        const std::string keys_file = work.write("verifier-keys", keys.out + lkeys.out);
        auto o = base();
        o.env["QUANTUM_VERIFIER_KEYS"] = keys_file;
        step("audit-log verify, signed", {"audit-log", "verify"}, o, {0});
        step("audit-log checkpoint", {"audit-log", "checkpoint"}, o, {0});
        const std::vector<std::string> entry = {
            "ops-ledger-append", "--ledger",        ledger,           "--name", "Canary drill",
            "--risk-class",      "LOW_RISK_CONFIG", "--blast-radius", "none",   "--summary",
            "canary run",        "--outcome",       "SUCCESS"};
        step("ops-ledger-append, signed", entry, o, {0});
        step("ops-ledger-append --verify", {"ops-ledger-append", "--ledger", ledger, "--verify"}, o, {0});
        step("ops-ledger-append --checkpoint", {"ops-ledger-append", "--ledger", ledger, "--checkpoint"}, o, {0});
        const std::string readable = secrets.write("audit-key-0644", pem_from_seed(k_audit_key_seed));
        ::chmod(readable.c_str(), 0644);
        o.env["QUANTUM_AUDIT_SIGNING_KEY_FILE"] = readable;
        step("audit-log append, key readable by others", {"audit-log", "append", "refused"}, o, {2});
        o.env["QUANTUM_LEDGER_SIGNING_KEY_FILE"] = write_secret(secrets, "ledger-key-text", k_ledger_key_seed + "\n");
        step("ops-ledger-append, key file not a PEM", entry, o, {2});
    }
    step("audit-log verify", {"audit-log", "verify"}, base(), {0, 1});
    step("audit-log stats", {"audit-log", "stats"}, base(), {0});
    {
        auto o = with_mail(base(), smtp_password_file);
        o.env["QT_ALERT_WEBHOOK_FILE"] = webhook_file;
        auto r = step("audit-summary --notify (webhook file, mail with AUTH)",
                      {"audit-summary", "--date", "today", "--notify"}, o, {0});
        CHECK_THAT(r.err, Catch::Contains("Summary posted to the webhook"));
        CHECK_THAT(r.err, Catch::Contains("Summary mailed to"));
    }
    {
        auto o = base();
        o.env["CREDENTIALS_DIRECTORY"] = credentials.path();
        o.env["QT_ALERT_WEBHOOK_FILE"] = "";
        step("audit-summary --notify (credential alert-webhook)", {"audit-summary", "--date", "today", "--notify"}, o,
             {0});
    }
    {
        auto o = base();
        o.env["CREDENTIALS_DIRECTORY"] = credentials.path();
        o.env["QUANTUM_REDIS_URL"] = url_user_only;
        step("exit-owner-watch, an alert told by webhook",
             {"exit-owner-watch", "--journal-dir", one_deny_journal(work.file("fleet1")), "--state-dir",
              state + "/watch1", "--window", "10min"},
             o, {0, 1});
    }

    // Failure paths.
    {
        auto o = with_mail(base(), wrong_smtp_file);
        o.env["QT_ALERT_WEBHOOK_FILE"] = webhook_down_file;
        step("audit-summary --notify: webhook down, SMTP AUTH refused",
             {"audit-summary", "--date", "today", "--notify"}, o, {3});
    }
    {
        auto o = with_mail(base(), smtp_password_file);
        o.env["QT_SMTP_STARTTLS"] = "no";
        step("audit-summary --notify: a password refused without TLS", {"audit-summary", "--date", "today", "--notify"},
             o, {3});
    }
    {
        auto o = base();
        o.env["QT_ALERT_WEBHOOK"] = webhook_down; // an older env file's form
        step("exit-owner-watch, webhook down (QT_ALERT_WEBHOOK)",
             {"exit-owner-watch", "--journal-dir", one_deny_journal(work.file("fleet2")), "--state-dir",
              state + "/watch2", "--window", "10min"},
             o, {0, 1});
        step("emergency-stop trip, no bus, webhook down",
             {"emergency-stop", "--latch", work.file("ESS_ON"), "trip", "--reason", "canary drill"}, o, {1});
        step("emergency-stop status", {"emergency-stop", "--latch", work.file("ESS_ON"), "status", "--json"}, o,
             {0, 1, 3, 4});
    }
    {
        auto o = base();
        o.env["QUANTUM_REDIS_URL"] = "redis://qops:" + k_redis_password + "@127.0.0.1:" + std::to_string(free_port());
        step("policy-show, Redis down", {"policy-show"}, o, {3});
        step("quantum-status, Redis down", {"quantum-status", "--json"}, o, {3, 4});
        step("policy-refresh, Redis down", {"policy-refresh", "--policy", k_policy}, o, {3});
        step("exit-owner-watch, Redis down",
             {"exit-owner-watch", "--journal-dir", one_deny_journal(work.file("fleet3")), "--state-dir",
              state + "/watch3", "--window", "10min"},
             o, {3});
    }
    {
        auto o = base();
        o.env["QUANTUM_REDIS_URL"] = "redis://qops:" + k_wrong_password + "@127.0.0.1:" + port + "/0";
        step("policy-show, authentication refused", {"policy-show"}, o, {3});
        step("quantum-status, authentication refused", {"quantum-status"}, o, {3, 4});
        step("policy-refresh, authentication refused", {"policy-refresh", "--policy", k_policy}, o, {3});
    }
    const std::vector<std::string> bad_urls = {
        "redis://qops:" + k_redis_password + "@127.0.0.1:notaport/0",
        "redis://qops:" + k_redis_password + "@127.0.0.1:" + port + "/x",
        "redis://qops:" + k_redis_password + "@127.0.0.1:" + port + "/0?q=1",
        "redis://qops:" + k_redis_password + "@",
        "redis://qops:" + k_redis_password,
        "redis://qops:" + k_redis_password + "?x@127.0.0.1:" + port,
        "redis://qops:pa/" + k_redis_password + "@127.0.0.1:99999/0",
        "sentinel://qops:" + k_redis_password + "@127.0.0.1:26379/mymaster",
        "https://qops:" + k_redis_password + "@127.0.0.1",
    };
    const std::string fleet4 = one_deny_journal(work.file("fleet4"));
    for (const auto& url : bad_urls) {
        // 2, or 3 where the text still parses (a '?' in the password): AUTH is refused.
        step("policy-show --redis <bad URL>", {"policy-show", "--redis", url}, base(), {2, 3});
        step("quantum-status --redis <bad URL>", {"quantum-status", "--redis", url}, base(), {2, 3, 4});
        auto o = base();
        o.env["QUANTUM_REDIS_URL"] = url;
        // The watch reads the journal first and fails on storing the alert (3).
        step("exit-owner-watch with a bad QUANTUM_REDIS_URL",
             {"exit-owner-watch", "--no-state", "--journal-dir", fleet4}, o, {2, 3});
    }
    {
        auto o = base();
        const std::string readable = secrets.write("key-0644", pem_from_seed(k_key_seed));
        ::chmod(readable.c_str(), 0644);
        o.env["QUANTUM_POLICY_SIGNING_KEY_FILE"] = readable;
        step("policy-refresh, key readable by others", {"policy-refresh", "--policy", k_policy}, o, {2});
        o.env["QUANTUM_POLICY_SIGNING_KEY_FILE"] = write_secret(secrets, "key-garbage", k_key_seed + "\n");
        step("policy-refresh, key file not a PEM", {"policy-refresh", "--policy", k_policy}, o, {2});
        const std::string pem = pem_from_seed(k_key_seed);
        o.env["QUANTUM_POLICY_SIGNING_KEY_FILE"] = write_secret(secrets, "key-cut", pem.substr(0, pem.size() - 30));
        step("policy-refresh, truncated key", {"policy-refresh", "--policy", k_policy}, o, {2});
        o.env["QUANTUM_POLICY_SIGNING_KEY_FILE"] = write_secret(
            secrets, "key-text", "-----BEGIN PRIVATE KEY-----\n" + k_key_seed + "\n-----END PRIVATE KEY-----\n");
        step("policy-refresh --verifier-key, bad key", {"policy-refresh", "--verifier-key"}, o, {2});
    }

    // Command lines while tools run: each waits on something that never answers.
    {
        const int hung_port = free_port();
        HungListener hung(hung_port);
        auto o = base();
        const std::string hung_webhook =
            write_secret(secrets, "alert-webhook-hung",
                         "http://127.0.0.1:" + std::to_string(hung_port) + "/hooks/" + k_webhook_token + "\n");
        o.env["QT_ALERT_WEBHOOK_FILE"] = hung_webhook;
        o.env["QT_NOTIFY_TIMEOUT_MS"] = "3000";
        // Secrets only in files here: the env(1) that starts each tool would show values.
        o.env["QUANTUM_REDIS_URL"] = url_user_only;
        o.env["QUANTUM_REDIS_PASSWORD_FILE"] = password_file;
        redis.pause(); // a stalled Redis: policy-show waits on its reply
        std::vector<std::string> env_argv = {"env", "-u", "JOURNAL_STREAM"};
        for (const auto& [k, v] : o.env)
            env_argv.push_back(k + "=" + v);
        auto spawn = [&](std::vector<std::string> argv, const std::string& log) {
            std::vector<std::string> full = env_argv;
            full.push_back(tool_path(argv[0]));
            full.insert(full.end(), argv.begin() + 1, argv.end());
            return std::make_unique<Background>(full, log);
        };
        auto summary = spawn({"audit-summary", "--date", "today", "--notify"}, work.file("summary-hung.log"));
        auto show = spawn({"policy-show"}, work.file("show-hung.log"));
        for (int i = 0; i < 10; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            ev.add("/proc/*/cmdline, sample " + std::to_string(i), all_cmdlines());
        }
        redis.resume();
        summary.reset();
        show.reset();
        ev.add("audit-summary with a hung webhook (log)", slurp(work.file("summary-hung.log")));
        ev.add("policy-show against a stalled Redis (log)", slurp(work.file("show-hung.log")));
    }

    // Everything left behind.
    ev.add_tree(work.path());
    ev.add_tree(receivers.file("posts"));
    ev.add_tree(receivers.file("maildir"));
    const auto keys = redis.cmd({"KEYS", "*"});
    for (size_t i = 0; i < keys.size(); ++i) {
        const std::string k(keys.element(i).str());
        const std::string type(redis.cmd({"TYPE", k}).str());
        std::string dump = k + "\n";
        if (type == "string") strings_of(redis.cmd({"GET", k}), dump);
        if (type == "hash") strings_of(redis.cmd({"HGETALL", k}), dump);
        if (type == "stream") strings_of(redis.cmd({"XRANGE", k, "-", "+"}), dump);
        if (type == "list") strings_of(redis.cmd({"LRANGE", k, "0", "-1"}), dump);
        if (type == "set") strings_of(redis.cmd({"SMEMBERS", k}), dump);
        if (type == "zset") strings_of(redis.cmd({"ZRANGE", k, "0", "-1"}), dump);
        ev.add("redis " + type + " " + k, dump);
    }

    // The runs did what they were asked: the search covers real output.
    CHECK_FALSE(fs::is_empty(receivers.file("posts")));
    CHECK(fs::exists(receivers.file("maildir/new")));
    CHECK(slurp(receivers.file("maildir.auth.log")).find("ok") != std::string::npos);
    CHECK(slurp(receivers.file("maildir.auth.log")).find("refused") != std::string::npos);
    CHECK(redis.cmd({"EXISTS", "quantum:policy:current"}).integer() == 1);
    CHECK(ev.pieces.size() > 80);

    size_t hits = 0;
    for (const auto& [what, text] : ev.pieces)
        for (const auto& [name, canary] : k_canaries)
            for (size_t i = 0; i + 4 <= canary.size(); ++i)
                if (const auto at = text.find(canary.substr(i, 4)); at != std::string::npos) {
                    ++hits;
                    UNSCOPED_INFO(name << " slice '" << canary.substr(i, 4) << "' in " << what << ": ..."
                                       << text.substr(at < 60 ? 0 : at - 60, 120) << "...");
                    break;
                }
    CHECK(hits == 0);
}
