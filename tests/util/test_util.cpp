#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "util/atomic_file.hpp"
#include "util/crypto.hpp"
#include "util/log.hpp"
#include "util/metrics.hpp"
#include "util/process.hpp"
#include "util/shared_library.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

#include <sys/stat.h>

#include <filesystem>
#include <map>

using namespace qops;
using qops::test::TempDir;
using qops::test::slurp;

TEST_CASE("log: the contract's line formats") {
    using log::Level;
    CHECK(log::format_line(Level::info, "POLICY-REFRESH", "Generating fresh policy...", false, 1770080983) ==
          "2026-02-03 01:09:43 [POLICY-REFRESH] INFO: Generating fresh policy...");
    CHECK(log::format_line(Level::ok, "T", "m", false, 0) == "1970-01-01 00:00:00 [T] OK: m");
    SECTION("journald form: priority prefix instead of the timestamp") {
        CHECK(log::format_line(Level::info, "T", "m", true, 0) == "<6>[T] INFO: m");
        CHECK(log::format_line(Level::ok, "T", "m", true, 0) == "<6>[T] OK: m");
        CHECK(log::format_line(Level::warn, "T", "m", true, 0) == "<4>[T] WARN: m");
        CHECK(log::format_line(Level::fail, "T", "m", true, 0) == "<3>[T] FAIL: m");
    }
    SECTION("one call is one line") {
        CHECK(log::format_line(Level::fail, "T", "a\nb\r", true, 0) == "<3>[T] FAIL: a\\nb\\r");
    }
}

TEST_CASE("log: JOURNAL_STREAM is honoured only when it names our stderr") {
    // A tool whose stderr is a pipe while JOURNAL_STREAM names something else keeps timestamps.
    test::RunOptions o;
    o.env["JOURNAL_STREAM"] = "1:1";
    auto r = test::run({"policy-refresh", "--dry-run", "--policy", "/nonexistent"}, o);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("<3>", 0) != 0);
    CHECK_THAT(r.err, Catch::Matches(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[POLICY-REFRESH\] FAIL: .*\n$)"));
}

TEST_CASE("atomic file: replaced only on commit") {
    TempDir tmp;
    const std::string path = tmp.file("f.txt");
    REQUIRE(write_file_atomic(path, "old").ok());
    {
        auto f = AtomicFile::create(path);
        REQUIRE(f.ok());
        REQUIRE(f->write("new content").ok());
        CHECK(slurp(path) == "old"); // not yet
    }
    CHECK(slurp(path) == "old"); // destroyed without commit: untouched, temp removed
    size_t entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(tmp.path())) ++entries;
    CHECK(entries == 1);
    {
        auto f = AtomicFile::create(path, 0640);
        REQUIRE(f.ok());
        REQUIRE(f->write("new").ok());
        REQUIRE(f->commit().ok());
    }
    CHECK(slurp(path) == "new");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("atomic file: errors are values") {
    TempDir tmp;
    auto r = write_file_atomic(tmp.file("missing-dir/f"), "x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ExitCode::unavailable);
    CHECK_THAT(r.error().message, Catch::Contains("No such file"));
    auto rd = read_file(tmp.file("nope"));
    REQUIRE_FALSE(rd.ok());
    auto big = read_file(tmp.write("big", std::string(100, 'x')), 10);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == ExitCode::usage);
}

TEST_CASE("atomic file: pieces are written in order, past writev's limit of 1024") {
    TempDir tmp;
    const std::string path = tmp.file("pieces.txt");
    std::vector<std::string> owned;
    for (int i = 0; i < 3000; ++i) owned.push_back(i % 7 == 0 ? std::string() : std::to_string(i) + ",");
    const std::string big(1u << 20, 'z'); // larger than one pipe or socket buffer
    owned.push_back(big);
    std::vector<std::string_view> pieces(owned.begin(), owned.end());
    std::string expected;
    for (const auto& o : owned) expected += o;
    REQUIRE(write_file_atomic(path, std::span<const std::string_view>(pieces), 0600).ok());
    CHECK(slurp(path) == expected);
    // Nothing to write is an empty file, not an error.
    REQUIRE(write_file_atomic(path, std::span<const std::string_view>()).ok());
    CHECK(slurp(path).empty());
}

TEST_CASE("atomic file: read_file_bytes reads whole regular files and refuses the rest") {
    TempDir tmp;
    std::string content;
    for (int i = 0; i < 100000; ++i) content += std::to_string(i) + "\n"; // ~570 KB, not page-sized
    auto whole = read_file_bytes(tmp.write("f", content));
    REQUIRE(whole.ok());
    CHECK(whole->view() == content);
    CHECK(reinterpret_cast<uintptr_t>(whole->view().data()) % 4096 == 0);
    auto empty = read_file_bytes(tmp.write("empty", ""));
    REQUIRE(empty.ok());
    CHECK(empty->view().empty());
    auto missing = read_file_bytes(tmp.file("nope"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
    CHECK_THAT(missing.error().message, Catch::Contains("No such file"));
    auto dir = read_file_bytes(tmp.path());
    REQUIRE_FALSE(dir.ok());
    CHECK_THAT(dir.error().message, Catch::Contains("not a regular file"));
    auto big = read_file_bytes(tmp.write("big", std::string(100, 'x')), 10);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == ExitCode::usage);
}

TEST_CASE("crypto: SHA-256 and HMAC-SHA256 known answers") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // RFC 4231 test case 2.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    Sha256 h;
    h.update("a");
    h.update("bc");
    CHECK(h.hex_digest() == sha256_hex("abc"));
}

TEST_CASE("metrics: textfile format, success carried over failures") {
    TempDir tmp;
    JobMetrics m("policy-refresh", tmp.path());
    m.gauge("quantum_policy_universe_count", "Symbols.", 10);
    REQUIRE(m.write(0, 0.25).ok());
    const std::string first = slurp(tmp.file("policy-refresh.prom"));
    CHECK_THAT(first, Catch::Contains("# TYPE quantum_job_last_run_timestamp_seconds gauge"));
    CHECK_THAT(first, Catch::Contains("quantum_job_exit_code{job=\"policy-refresh\"} 0\n"));
    CHECK_THAT(first, Catch::Contains("quantum_job_duration_seconds{job=\"policy-refresh\"} 0.25\n"));
    CHECK_THAT(first, Catch::Contains("quantum_policy_universe_count{job=\"policy-refresh\"} 10\n"));
    const int64_t success = read_last_success(tmp.file("policy-refresh.prom"));
    CHECK(success > 0);

    const std::string failed = m.render(3, 1.0, success + 100, success);
    CHECK_THAT(failed, Catch::Contains("quantum_job_last_success_timestamp_seconds{job=\"policy-refresh\"} " +
                                       std::to_string(success) + "\n"));
    CHECK_THAT(failed, Catch::Contains("quantum_job_last_run_timestamp_seconds{job=\"policy-refresh\"} " +
                                       std::to_string(success + 100) + "\n"));
    // Exit 1 (reported) counts as success, as SuccessExitStatus=0 1 does.
    CHECK_THAT(m.render(1, 1.0, 500, 1), Catch::Contains("quantum_job_last_success_timestamp_seconds{job=\"policy-refresh\"} 500"));
    // Disabled without a directory.
    CHECK(JobMetrics("x", "").write(0, 0).ok());
}

TEST_CASE("process: deadline, exit status and output cap") {
    ProcessOptions o;
    o.timeout = std::chrono::milliseconds(300);
    auto slow = run_shell("sleep 20", o);
    REQUIRE(slow.ok());
    CHECK(slow->timed_out);
    // A child that closes stdout but keeps running is still bounded.
    auto detached = run_shell("exec >/dev/null; sleep 20", o);
    REQUIRE(detached.ok());
    CHECK(detached->timed_out);
    o.timeout = std::chrono::seconds(10);
    auto ok = run_shell("printf hello; exit 7", o);
    REQUIRE(ok.ok());
    CHECK(ok->out == "hello");
    CHECK(ok->exit_status == 7);
    o.max_output = 1000;
    auto big = run_shell("head -c 100000 /dev/zero", o);
    REQUIRE(big.ok());
    CHECK(big->output_truncated);
    auto missing = run_process({"/nonexistent/binary"}, o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
}

TEST_CASE("time: UTC formats and civil days") {
    CHECK(iso8601_utc(1770080983) == "2026-02-03T01:09:43Z");
    CHECK(iso8601_utc_micros(1766000000123456) == "2025-12-17T19:33:20.123456Z");
    CHECK(human_utc(0) == "1970-01-01 00:00:00");
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28) == 2); // leap day
    CHECK(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28) == 1);
}

TEST_CASE("shared library: a missing library or symbol is an unavailable error naming the package") {
    auto missing = SharedLibrary::open("libqops-no-such-library.so.9", "qops-no-such-package");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
    CHECK_THAT(missing.error().message, Catch::Contains("qops-no-such-package"));

    auto libc = SharedLibrary::open("libc.so.6", "libc6");
    REQUIRE(libc.ok());
    size_t (*fn)(const char*) = nullptr;
    CHECK(libc->get("strlen", fn).ok());
    REQUIRE(fn != nullptr);
    CHECK(fn("four") == 4);
    CHECK_FALSE(libc->get("qops_no_such_symbol", fn).ok());
}

TEST_CASE("shared library: tools start without the libraries they load on first use") {
    // A tool that links libcurl or libsystemd without needing it on every run pays ~2-10 ms
    // of start-up for it (bench/RESULTS.md); the dynamic section says what is linked.
    const std::map<std::string, std::vector<std::string>> must_not_link = {
        {"audit-summary", {"libcurl", "libcrypto", "libsystemd"}},
        {"ops-ledger-append", {"libcurl", "libsystemd"}},
        {"emergency-stop", {"libcurl", "libsystemd"}},
        {"exit-owner-watch", {"libcurl", "libcrypto"}},
        {"policy-refresh", {"libcurl", "libsystemd"}},
    };
    for (const auto& [tool, libs] : must_not_link) {
        auto r = test::run({"readelf", "-d", test::tool_path(tool)});
        REQUIRE(r.exit_code == 0);
        REQUIRE_THAT(r.out, Catch::Contains("(NEEDED)"));
        for (const auto& lib : libs) {
            INFO(tool << " links " << lib);
            CHECK_THAT(r.out, !Catch::Contains("[" + lib));
        }
    }
}

TEST_CASE("shared library: the C++ libraries are linked statically exactly when QOPS_STATIC_DEPS is on") {
    // The start-up targets of exit-owner-watch and ops-ledger-append (bench/RESULTS.md) are
    // met only without libstdc++, yaml-cpp, libcrypto, libfmt and hiredis as shared objects.
    // The sanitizer tree links them shared, which the same reading must see.
    const std::vector<std::string> c_system = {"libc.so.6", "libm.so.6", "libsystemd.so.0", "ld-linux-x86-64.so.2"};
    for (const char* tool : {"audit-log", "audit-summary", "emergency-stop", "exit-owner-watch", "ops-ledger-append",
                             "policy-refresh", "policy-show"}) {
        auto r = test::run({"readelf", "-d", test::tool_path(tool)});
        REQUIRE(r.exit_code == 0);
        std::vector<std::string> needed;
        for (size_t at = r.out.find("Shared library: ["); at != std::string::npos;
             at = r.out.find("Shared library: [", at + 1)) {
            const size_t begin = at + 17;
            needed.push_back(r.out.substr(begin, r.out.find(']', begin) - begin));
        }
        INFO(tool << " needs " << needed.size() << " libraries");
        CHECK(std::find(needed.begin(), needed.end(), "libc.so.6") != needed.end()); // the section was read
        const bool cxx_shared = std::find(needed.begin(), needed.end(), "libstdc++.so.6") != needed.end();
        CHECK(cxx_shared == !QOPS_STATIC_DEPS);
        if (QOPS_STATIC_DEPS)
            for (const auto& lib : needed) {
                INFO(tool << " needs " << lib);
                CHECK(std::find(c_system.begin(), c_system.end(), lib) != c_system.end());
            }
    }
}
