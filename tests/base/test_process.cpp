#include "base/process.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <chrono>
#include <thread>

using namespace qops;
using Clock = std::chrono::steady_clock;

namespace {

// Children of this process that have exited and are not yet reaped.
bool has_unreaped_child() {
    siginfo_t info{};
    return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
}

} // namespace

TEST_CASE("process: exit status, output and signals") {
    ProcessOptions o;
    o.timeout = std::chrono::seconds(10);
    auto ok = run_shell("printf hello; exit 7", o);
    REQUIRE(ok.ok());
    CHECK(ok->out == "hello");
    CHECK(ok->exit_status == 7);
    CHECK_FALSE(ok->succeeded());
    CHECK(ok->describe() == "exit status 7");
    auto killed = run_shell("kill -9 $$", o);
    REQUIRE(killed.ok());
    CHECK(killed->term_signal == 9);
    auto stderr_merged = run_process({"sh", "-c", "echo out; echo err >&2"}, ProcessOptions{o.timeout, 1024, true});
    REQUIRE(stderr_merged.ok());
    CHECK(stderr_merged->out == "out\nerr\n");
    auto missing = run_process({"/nonexistent/binary"}, o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
    CHECK_FALSE(has_unreaped_child());
}

TEST_CASE("process: the deadline and the output cap kill the whole group") {
    ProcessOptions o;
    o.timeout = std::chrono::milliseconds(300);
    const auto t0 = Clock::now();
    auto slow = run_shell("sleep 20", o);
    REQUIRE(slow.ok());
    CHECK(slow->timed_out);
    CHECK(Clock::now() - t0 < std::chrono::seconds(5));
    // A child that closes stdout but keeps running is still bounded.
    auto detached = run_shell("exec >/dev/null; sleep 20", o);
    REQUIRE(detached.ok());
    CHECK(detached->timed_out);
    o.timeout = std::chrono::seconds(10);
    o.max_output = 1000;
    auto big = run_shell("head -c 100000 /dev/zero", o);
    REQUIRE(big.ok());
    CHECK(big->output_truncated);
    CHECK_FALSE(has_unreaped_child());
}

TEST_CASE("process: returns when the child exits, not at the deadline or a poll tick") {
    ProcessOptions o;
    o.timeout = std::chrono::seconds(30);
    // A background grandchild keeps the pipe open: the child's exit still ends the wait.
    const auto t0 = Clock::now();
    auto r = run_shell("(sleep 5 2>/dev/null &) ; echo done", o);
    REQUIRE(r.ok());
    CHECK(r->exit_status == 0);
    CHECK(r->out == "done\n");
    CHECK(Clock::now() - t0 < std::chrono::seconds(3));
}

TEST_CASE("process: stdin is /dev/null, so a child that reads it does not hang") {
    ProcessOptions o;
    o.timeout = std::chrono::seconds(10);
    auto r = run_shell("cat; echo end", o);
    REQUIRE(r.ok());
    CHECK(r->out == "end\n");
}
