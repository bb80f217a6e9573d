#include "redis/url.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

using namespace qops;
using namespace qops::redis;

TEST_CASE("redis url: the contract's forms") {
    SECTION("redis:// with user, password and db") {
        auto u = parse_url("redis://policy-refresh:p%40ss@10.0.0.5:6380/2");
        REQUIRE(u.ok());
        CHECK(u->kind == Url::Kind::tcp);
        CHECK(u->endpoint.host == "10.0.0.5");
        CHECK(u->endpoint.port == 6380);
        CHECK(u->db == 2);
        CHECK(u->user == "policy-refresh");
        CHECK(u->password == std::optional<std::string>("p@ss"));
        CHECK(u->redacted() == "redis://policy-refresh:***@10.0.0.5:6380/2");
    }
    SECTION("defaults") {
        auto u = parse_url("redis://localhost");
        REQUIRE(u.ok());
        CHECK(u->endpoint.port == 6379);
        CHECK(u->db == 0);
        CHECK_FALSE(u->password.has_value());
        CHECK(parse_url(k_default_url).ok());
    }
    SECTION("IPv6") {
        auto u = parse_url("redis://[::1]:7000/1");
        REQUIRE(u.ok());
        CHECK(u->endpoint.host == "::1");
        CHECK(u->endpoint.port == 7000);
    }
    SECTION("unix socket") {
        auto u = parse_url("unix:///run/redis/redis.sock?db=3");
        REQUIRE(u.ok());
        CHECK(u->kind == Url::Kind::unix_socket);
        CHECK(u->socket_path == "/run/redis/redis.sock");
        CHECK(u->db == 3);
    }
    SECTION("sentinel") {
        auto u = parse_url("sentinel://s1:26379,s2:26380,s3/mymaster");
        REQUIRE(u.ok());
        CHECK(u->kind == Url::Kind::sentinel);
        REQUIRE(u->sentinels.size() == 3);
        CHECK(u->sentinels[1].port == 26380);
        CHECK(u->sentinels[2].port == 26379);
        CHECK(u->master_name == "mymaster");
    }
    SECTION("errors are usage errors that never echo the password") {
        for (const char* bad : {"http://x", "redis://:pw@:6379", "redis://h:0", "redis://h:99999", "redis://h:6379/x",
                                "unix://relative.sock", "sentinel://h:1", "sentinel:///m", "redis://h?db=1&x=2",
                                "redis://u:secretpw@h:notaport"}) {
            auto u = parse_url(bad);
            INFO(bad);
            REQUIRE_FALSE(u.ok());
            CHECK(u.error().code == ExitCode::usage);
            CHECK(u.error().message.find("secretpw") == std::string::npos);
        }
    }
}

TEST_CASE("redis password sources") {
    qops::test::TempDir tmp;
    auto url = parse_url("redis://127.0.0.1:6379/0");
    REQUIRE(url.ok());
    ::unsetenv("QUANTUM_REDIS_PASSWORD_FILE");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    CHECK_FALSE(resolve_password(*url)->has_value());
    ::setenv("CREDENTIALS_DIRECTORY", tmp.path().c_str(), 1);
    tmp.write("redis-password", "from-credential\n");
    CHECK(resolve_password(*url)->value() == "from-credential");
    ::setenv("QUANTUM_REDIS_PASSWORD_FILE", tmp.write("pw", "from-file\r\n").c_str(), 1);
    CHECK(resolve_password(*url)->value() == "from-file");
    ::setenv("QUANTUM_REDIS_PASSWORD_FILE", tmp.file("missing").c_str(), 1);
    auto missing = resolve_password(*url);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
    auto with_pw = parse_url("redis://:inline@127.0.0.1:6379/0");
    CHECK(resolve_password(*with_pw)->value() == "inline");
    ::unsetenv("QUANTUM_REDIS_PASSWORD_FILE");
    ::unsetenv("CREDENTIALS_DIRECTORY");
}

TEST_CASE("redis url: a password may hold any character and no error quotes a slice of it") {
    const std::string secret = "Zq7?w/Kx@p:9#db=1";
    auto ok = parse_url("redis://u:" + secret + "@127.0.0.1:6379/3");
    REQUIRE(ok.ok());
    CHECK(ok->password == std::optional<std::string>(secret));
    CHECK(ok->endpoint.host == "127.0.0.1");
    CHECK(ok->db == 3);
    CHECK(ok->redacted().find("Zq7") == std::string::npos);
    // Broken forms around a password: each is refused, and no 4-character slice of the
    // password appears in the message.
    const std::vector<std::string> broken = {
        "redis://u:" + secret + "@127.0.0.1:bad/0",
        "redis://u:" + secret + "@127.0.0.1:6379/x",
        "redis://u:" + secret + "@127.0.0.1:6379/0?q=1",
        "redis://u:" + secret + "@/0",
        "redis://u:" + secret + "@[::1/0",
        "redis://u:" + secret + "@host name:1/0",
        "redis://u:se?cret@127.0.0.1:6379x",
        "redis://u:pa/ss@127.0.0.1:99999/0",
    };
    for (const auto& text : broken) {
        auto r = parse_url(text);
        INFO(text);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::usage);
        const std::string pw = text.substr(10, text.rfind('@') - 10);
        for (size_t i = 0; i + 4 <= pw.size(); ++i) {
            INFO("slice " << pw.substr(i, 4) << " in: " << r.error().message);
            CHECK(r.error().message.find(pw.substr(i, 4)) == std::string::npos);
        }
    }
}

TEST_CASE("redis url: a password in the wrong place is not quoted either") {
    // Forms where the password is not where a parser would look for it: no '@' (the host
    // forgotten), a Sentinel URL with user info, a password in the query or the path.
    const std::string secret = "Wq7~Kx9~Lt2~Hb5";
    const std::vector<std::string> broken = {
        "redis://:" + secret,
        "redis://u:" + secret,
        "redis://127.0.0.1:6379/" + secret,
        "redis://127.0.0.1:6379/0?password=" + secret,
        "redis://127.0.0.1:6379/0?" + secret,
        "sentinel://u:" + secret + "@127.0.0.1:26379/mymaster",
        "sentinel://127.0.0.1:" + secret + "/mymaster",
        "unix://u:" + secret + "@/run/redis.sock",
        "unix:///run/redis.sock?" + secret,
        "rediss://u:" + secret + "@127.0.0.1:6379",
    };
    for (const auto& text : broken) {
        auto r = parse_url(text);
        INFO(text);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::usage);
        for (size_t i = 0; i + 4 <= secret.size(); ++i) {
            INFO("slice " << secret.substr(i, 4) << " in: " << r.error().message);
            CHECK(r.error().message.find(secret.substr(i, 4)) == std::string::npos);
        }
    }
}
