// The audit log's rotation (audit/log.hpp, "Rotation"): `audit-log rotate`, logrotate with
// the package's snippet, interrupted rotations, retention, and tampering across files.
#include "audit/log.hpp"
#include "support/checkpoint_keys.hpp"
#include "support/go_tool.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace qops;
using qops::test::lines_of;
using qops::test::slurp;
using qops::test::TempDir;

namespace {

namespace fs = std::filesystem;

test::RunResult audit_log(const std::string& log, std::vector<std::string> args, test::RunOptions o = {}) {
    std::vector<std::string> argv{"audit-log", "--log", log};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, o);
}

// The rotated files of the log, oldest first, as <log>.segments lists them.
std::vector<std::string> rotated(const std::string& log) {
    std::vector<std::string> out;
    if (!fs::exists(log + ".segments")) return out;
    for (const auto& l : lines_of(slurp(log + ".segments")))
        out.push_back(fs::path(log).parent_path().string() + "/" + l.substr(0, l.find(' ')));
    return out;
}

// A signed log of 9 entries in three files: 4 rotated, 3 rotated, 2 live. `published`
// is the checkpoint of the first 4 entries, taken before the first rotation.
struct RotatedLog {
    TempDir tmp;
    test::CheckpointKeys keys;
    std::string log = tmp.file("audit.log");
    std::string published = tmp.file("published.checkpoint");

    RotatedLog() {
        int n = 0;
        auto add = [&](int count) {
            for (int i = 0; i < count; ++i)
                REQUIRE(audit_log(log, {"append", "action " + std::to_string(++n)}, keys.env()).exit_code == 0);
        };
        add(4);
        fs::copy_file(log + ".checkpoint", published);
        REQUIRE(audit_log(log, {"rotate"}, keys.env()).exit_code == 0);
        add(3);
        // Two rotations within one second would want the same name; the second waits.
        sleep(1);
        REQUIRE(audit_log(log, {"rotate"}, keys.env()).exit_code == 0);
        add(2);
        REQUIRE(rotated(log).size() == 2);
    }

    nlohmann::json verify_json(int want_exit, std::vector<std::string> extra = {}) const {
        std::vector<std::string> args{"verify", "--json", "--checkpoint", published};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = audit_log(log, args, keys.env());
        INFO(r.out << r.err);
        CHECK(r.exit_code == want_exit);
        return nlohmann::json::parse(r.out);
    }
};

} // namespace

TEST_CASE(
    "audit log rotation: the tree and the chain go on across files, and verify, stats and summary read them all") {
    RotatedLog s;
    const auto files = rotated(s.log);
    CHECK(lines_of(slurp(files[0])).size() == 4);
    CHECK(lines_of(slurp(files[1])).size() == 3);
    CHECK(lines_of(slurp(s.log)).size() == 2);
    CHECK(std::regex_match(fs::path(files[0]).filename().string(), std::regex(R"(audit\.log-\d{8}-\d{10})")));
    const auto j = s.verify_json(0);
    CHECK(j.at("lines") == 9);
    CHECK(j.at("chained") == 9);
    CHECK(j.at("files").size() == 3);
    CHECK(j.at("expired") == 0);
    CHECK(crypto::checkpoint_body_of(slurp(s.log + ".checkpoint"))->size == 9);
    auto st = audit_log(s.log, {"stats", "--json"});
    REQUIRE(st.exit_code == 0);
    CHECK(nlohmann::json::parse(st.out).at("total") == 9);
    CHECK(nlohmann::json::parse(st.out).at("today") == 9);
    // The day's entries begin in one file and end in another.
    auto sum = test::run({"audit-summary", "--log", s.log, "--date", "today", "--json"});
    REQUIRE(sum.exit_code == 0);
    CHECK(nlohmann::json::parse(sum.out).at("total") == 9);
    // A second rotation within the same second would want the same name: refused.
    auto early = audit_log(s.log, {"rotate"}, s.keys.env());
    if (early.exit_code != 0) {
        CHECK(early.exit_code == 3);
        CHECK_THAT(early.err, Catch::Contains("exists"));
        sleep(1);
        REQUIRE(audit_log(s.log, {"rotate"}, s.keys.env()).exit_code == 0);
    }
    // Rotating an empty log does nothing.
    auto again = audit_log(s.log, {"rotate"}, s.keys.env());
    CHECK(rotated(s.log).size() == 3);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.err, Catch::Contains("nothing to rotate"));
}

TEST_CASE("audit log rotation: Go's sumdb/tlog computes the checkpoint's root over the files in order") {
    TempDir tmp;
    const auto tool = test::build_go_tool(tmp, "crypto/checkpoint_verify.go");
    if (!tool) QOPS_SKIP("go (golang-go, golang-golang-x-mod-dev) is not installed");
    RotatedLog s;
    std::string all;
    for (const auto& f : rotated(s.log))
        all += slurp(f);
    all += slurp(s.log);
    const std::string joined = tmp.file("joined.log");
    std::ofstream(joined, std::ios::binary) << all;
    const std::string vkey = s.keys.verifier_key(test::default_audit_origin());
    auto r = test::run({*tool, vkey, s.log + ".checkpoint", joined});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with(test::default_audit_origin() + " 9 "));
    CHECK(test::run({*tool, vkey, s.published, joined}).exit_code == 0);
}

TEST_CASE("audit log rotation: tampering across files is exit 4, naming the file and its line") {
    RotatedLog s;
    const auto files = rotated(s.log);
    SECTION("a byte edited in a rotated file") {
        auto lines = lines_of(slurp(files[1]));
        lines[1][lines[1].find("action") + 1] = 'X';
        std::ofstream f(files[1], std::ios::binary | std::ios::trunc);
        for (const auto& l : lines)
            f << l << "\n";
        f.close();
        const auto j = s.verify_json(4);
        const auto& p = j.at("problems")[0];
        CHECK(p.at("kind") == "chain mismatch");
        CHECK(p.at("line") == 6);
        CHECK(p.at("file") == files[1]);
        CHECK(p.at("file_line") == 2);
    }
    SECTION("a rotated file removed while an older one is kept") {
        fs::remove(files[1]);
        const auto j = s.verify_json(4);
        CHECK(j.at("problems")[0].at("kind") == "missing file");
        CHECK(j.at("problems")[0].at("line") == 5);
    }
    SECTION("a rotated file cut short") {
        auto lines = lines_of(slurp(files[0]));
        lines.pop_back();
        std::ofstream f(files[0], std::ios::binary | std::ios::trunc);
        for (const auto& l : lines)
            f << l << "\n";
        f.close();
        const auto j = s.verify_json(4);
        CHECK(j.at("problems")[0].at("kind") == "rotated file changed");
        CHECK(j.at("problems")[0].at("file") == files[0]);
    }
    SECTION("the list of rotated files emptied: the checkpoint still names 9 entries") {
        std::ofstream(s.log + ".segments", std::ios::trunc).close();
        const auto j = s.verify_json(4);
        CHECK(j.at("problems")[0].at("kind") == "chain mismatch");
        CHECK(j.at("problems").back().at("kind") == "truncated");
    }
    SECTION("a rotated file rewritten whole, and the list recording what it now holds") {
        // Whoever can write the files replaces the first one by a log of their own and
        // records its state in the list: the signed checkpoints still say otherwise.
        TempDir other;
        const std::string forged = other.file("audit.log");
        for (int i = 1; i <= 4; ++i)
            REQUIRE(audit_log(forged, {"append", "forged " + std::to_string(i)}, s.keys.env()).exit_code == 0);
        fs::copy_file(forged, files[0], fs::copy_options::overwrite_existing);
        auto list = lines_of(slurp(s.log + ".segments"));
        const std::string forged_state = slurp(forged + ".tree");
        list[0] = fs::path(files[0]).filename().string() + " " + forged_state.substr(0, forged_state.size() - 1);
        std::ofstream out(s.log + ".segments", std::ios::trunc);
        for (const auto& l : list)
            out << l << "\n";
        out.close();
        const auto j = s.verify_json(4);
        bool rewritten = false;
        for (const auto& p : j.at("problems"))
            rewritten = rewritten || p.at("kind") == "rewritten";
        CHECK(rewritten);
    }
    SECTION("the oldest file removed (retention): verified from the state recorded for it") {
        fs::remove(files[0]);
        const auto j = s.verify_json(0);
        CHECK(j.at("expired") == 4);
        CHECK(j.at("lines") == 9);
        CHECK(j.at("files").size() == 2);
        auto st = audit_log(s.log, {"stats", "--json"});
        CHECK(nlohmann::json::parse(st.out).at("total") == 5);
        auto r = audit_log(s.log, {"verify"}, s.keys.env());
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("entries 1-4 were in rotated files since removed"));
        // Then the next file goes too, and a tampered live line is still found.
        fs::remove(files[1]);
        CHECK(s.verify_json(0).at("expired") == 7);
        auto live = lines_of(slurp(s.log));
        live[0][live[0].find("action") + 1] = 'X';
        std::ofstream(s.log, std::ios::binary | std::ios::trunc) << live[0] << "\n" << live[1] << "\n";
        const auto j2 = s.verify_json(4);
        CHECK(j2.at("problems")[0].at("line") == 8);
    }
}

TEST_CASE("audit log rotation: a rotation interrupted at any step is finished by the next append") {
    TempDir tmp;
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    for (int i = 0; i < 3; ++i)
        REQUIRE(audit_log(log, {"append", "before " + std::to_string(i)}, keys.env()).exit_code == 0);
    const std::string tree_before = slurp(log + ".tree");
    SECTION("killed after the rename (nothing recorded, no new log)") {
        fs::rename(log, log + "-20261202-1796000000");
    }
    SECTION("killed after recording the file, before the tree state") {
        REQUIRE(audit_log(log, {"rotate"}, keys.env()).exit_code == 0);
        std::ofstream(log + ".tree", std::ios::trunc) << tree_before;
        fs::remove(log);
    }
    SECTION("renamed by logrotate, an append before its postrotate") {
        fs::rename(log, log + "-20261202-1796000000");
        std::ofstream(log).close(); // logrotate's create
        // A verify in between reads the renamed file where it is, and records nothing.
        auto between = audit_log(log, {"verify", "--json"}, keys.env());
        INFO(between.out << between.err);
        CHECK(between.exit_code == 0);
        CHECK(nlohmann::json::parse(between.out).at("lines") == 3);
        CHECK_FALSE(fs::exists(log + ".segments"));
    }
    REQUIRE(audit_log(log, {"append", "after"}, keys.env()).exit_code == 0);
    CHECK(rotated(log).size() == 1);
    auto r = audit_log(log, {"verify", "--json"}, keys.env());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out).at("lines") == 4);
    // A file that is not the rotated log (another size or last chain value) is not taken.
    fs::rename(log, log + "-20261202-1796000001");
    std::ofstream(log + "-20261202-1796000001", std::ios::app) << "[2026-01-01T00:00:00.000000Z] stray\n";
    auto refused = audit_log(log, {"append", "lost?"}, keys.env());
    CHECK(refused.exit_code == 4);
    CHECK_THAT(refused.err, Catch::Contains("audit-log rescan"));
}

TEST_CASE("audit log rotation: a line an interrupted append left is signed by the next append, not rotated away") {
    TempDir tmp;
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    for (int i = 0; i < 3; ++i)
        REQUIRE(audit_log(log, {"append", "before " + std::to_string(i)}, keys.env()).exit_code == 0);
    // A writer killed between its line (chained, synced) and its tree state and checkpoint.
    const auto last = audit::parse_line(lines_of(slurp(log)).back());
    const std::string text = "[2026-12-02T17:00:00.000000Z] interrupted";
    std::ofstream(log, std::ios::app) << text << "\t#" << audit::chain_value("", *last->chain, text) << "\n";
    const std::string before = slurp(log + ".tree");
    auto refused = audit_log(log, {"rotate"}, keys.env());
    CHECK(refused.exit_code == 3);
    CHECK_THAT(refused.err, Catch::Contains("the next `audit-log append` takes it in"));
    CHECK(slurp(log + ".tree") == before);
    CHECK_FALSE(fs::exists(log + ".segments"));
    REQUIRE(audit_log(log, {"append", "after"}, keys.env()).exit_code == 0);
    REQUIRE(audit_log(log, {"rotate"}, keys.env()).exit_code == 0);
    auto r = audit_log(log, {"verify", "--json"}, keys.env());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out).at("lines") == 5);
}

TEST_CASE("audit log rotation: logrotate with the package's snippet rotates, and the log goes on") {
    const char* logrotate = "/usr/sbin/logrotate";
    if (::access(logrotate, X_OK) != 0) QOPS_SKIP("logrotate is not installed");
    RotatedLog s;
    // The package's snippet with this test's paths and user.
    std::string conf = slurp(std::string(QOPS_SOURCE_DIR) + "/ops/logrotate/quantum-ops");
    const std::string user = getpwuid(geteuid())->pw_name;
    const std::string group = getgrgid(getegid())->gr_name;
    conf = std::regex_replace(conf, std::regex("/var/log/quantum/audit\\.log"), s.log);
    conf = std::regex_replace(conf, std::regex("/usr/bin/audit-log"), std::string(QOPS_BIN_DIR) + "/audit-log");
    conf = std::regex_replace(conf, std::regex("create 0640 quantum quantum"),
                              fmt::format("create 0640 {} {}", user, group));
    const std::string conf_file = s.tmp.file("logrotate.conf");
    std::ofstream(conf_file) << conf;
    ::chmod(conf_file.c_str(), 0644);
    auto env = s.keys.env();
    sleep(1); // logrotate's name (the epoch) must not be the last rotation's
    auto r = test::run({logrotate, "--force", "--state", s.tmp.file("logrotate.state"), conf_file}, env);
    INFO(conf << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto files = rotated(s.log);
    REQUIRE(files.size() == 3); // recorded by the postrotate, not by an append
    CHECK(lines_of(slurp(files[2])).size() == 2);
    CHECK(fs::file_size(s.log) == 0);
    REQUIRE(audit_log(s.log, {"append", "after logrotate"}, s.keys.env()).exit_code == 0);
    const auto j = s.verify_json(0);
    CHECK(j.at("lines") == 10);
    CHECK(j.at("files").size() == 4);
}

TEST_CASE("audit log rotation: files root writes beside the log keep the log's owner") {
    if (geteuid() != 0) QOPS_SKIP("needs root (chown)");
    TempDir tmp;
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    std::ofstream(log).close();
    const uid_t nobody = getpwnam("nobody")->pw_uid;
    const gid_t nogroup = getgrnam("nogroup")->gr_gid;
    REQUIRE(::chown(log.c_str(), nobody, nogroup) == 0);
    // The emergency stop appends as root, and so does an operator with sudo; the services
    // that read and append later run as the log's owner.
    REQUIRE(audit_log(log, {"append", "as root"}, keys.env()).exit_code == 0);
    REQUIRE(audit_log(log, {"rotate"}, keys.env()).exit_code == 0);
    for (const std::string& f :
         std::vector<std::string>{log, log + ".tree", log + ".checkpoint", log + ".segments", rotated(log).at(0)}) {
        struct stat st {};
        REQUIRE(::stat(f.c_str(), &st) == 0);
        INFO(f);
        CHECK(st.st_uid == nobody);
        CHECK(st.st_gid == nogroup);
    }
}
