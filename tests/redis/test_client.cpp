#include "redis/client.hpp"
#include "support/redis_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <unistd.h>

using namespace qops;
using namespace qops::redis;

TEST_CASE("redis client: commands, pipelines and error replies") {
    test::RedisServer server;
    auto c = connect_url(server.url(5));
    REQUIRE(c.ok());
    auto set = c->command({"SET", "k", std::string("bin\0ary", 7)});
    REQUIRE(set.ok());
    auto get = c->command({"GET", "k"});
    REQUIRE(get.ok());
    CHECK(get->str() == std::string("bin\0ary", 7));
    // SELECT applied: db 0 does not have it.
    CHECK(server.cmd({"EXISTS", "k"}).integer() == 0);
    auto replies = c->pipeline({{"INCR", "n"}, {"INCR", "n"}});
    REQUIRE(replies.ok());
    CHECK((*replies)[1].integer() == 2);
    // An error reply is an error of kind refused, not an I/O failure, and the connection
    // stays in step: every reply of the pipeline was read.
    auto refused = c->pipeline({{"INCR", "n"}, {"HGET", "k", "f"}, {"INCR", "n"}});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::refused);
    CHECK(refused.error().code == ExitCode::unavailable);
    CHECK_THAT(refused.error().message, Catch::Contains("WRONGTYPE"));
    auto single = c->command({"HGET", "k", "f"});
    REQUIRE_FALSE(single.ok());
    CHECK(single.error().kind == ErrorKind::refused);
    auto after = c->command({"GET", "n"});
    REQUIRE(after.ok());
    CHECK(after->str() == "4"); // the refused pipeline still ran its other commands
}

TEST_CASE("redis client: failures are bounded and classified as unavailable") {
    test::RedisServer server;
    SECTION("connection refused") {
        const int port = test::free_port();
        auto c = connect_url("redis://127.0.0.1:" + std::to_string(port) + "/0");
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().code == ExitCode::unavailable);
        CHECK_THAT(c.error().message, Catch::Contains("cannot connect"));
    }
    SECTION("paused server: the command times out") {
        auto c = connect_url(server.url(), {std::chrono::milliseconds(200), {}});
        REQUIRE(c.ok());
        server.pause();
        const auto t0 = std::chrono::steady_clock::now();
        auto r = c->command({"PING"});
        const auto elapsed = std::chrono::steady_clock::now() - t0;
        server.resume();
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::unavailable);
        CHECK_THAT(r.error().message, Catch::Contains("timed out"));
        CHECK(elapsed < std::chrono::seconds(3));
    }
    SECTION("killed server: the next command fails") {
        auto c = connect_url(server.url());
        REQUIRE(c.ok());
        server.kill9();
        auto r = c->command({"PING"});
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::unavailable);
        server.start();
    }
}

TEST_CASE("redis client: sentinel discovery errors are distinct") {
    test::RedisServer master;
    SECTION("no sentinel reachable") {
        const int port = test::free_port();
        auto c = connect_url("sentinel://127.0.0.1:" + std::to_string(port) + "/mymaster");
        REQUIRE_FALSE(c.ok());
        CHECK_THAT(c.error().message, Catch::Contains("no sentinel reachable"));
    }
    SECTION("unknown master") {
        // A real redis-sentinel monitoring "mymaster" only.
        qops::test::TempDir tmp;
        const int sport = test::free_port();
        const std::string conf = tmp.write(
            "sentinel.conf", "port " + std::to_string(sport) + "\nbind 127.0.0.1\ndaemonize yes\npidfile " +
                                 tmp.file("s.pid") + "\nlogfile " + tmp.file("s.log") + "\ndir " + tmp.path() +
                                 "\nsentinel monitor mymaster 127.0.0.1 " + std::to_string(master.port()) + " 1\n");
        // The daemon must not keep the test's stdout open, and dies with the test.
        struct Reaper {
            std::string pidfile;
            ~Reaper() { (void)std::system(("kill -9 $(cat " + pidfile + ") 2>/dev/null").c_str()); }
        } reaper{tmp.file("s.pid")};
        REQUIRE(std::system(("redis-sentinel " + conf + " </dev/null >/dev/null 2>&1").c_str()) == 0);
        bool known = false;
        for (int i = 0; i < 100 && !known; ++i) {
            known = connect_url("sentinel://127.0.0.1:" + std::to_string(sport) + "/mymaster").ok();
            if (!known) ::usleep(50000);
        }
        CHECK(known);
        auto unknown = connect_url("sentinel://127.0.0.1:" + std::to_string(sport) + "/othermaster");
        REQUIRE_FALSE(unknown.ok());
        CHECK_THAT(unknown.error().message, Catch::Contains("unknown master 'othermaster'"));
    }
}
