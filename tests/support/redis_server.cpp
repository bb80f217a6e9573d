#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace qops::test {

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("bind to a free port failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

RedisServer::RedisServer(RedisServerOptions options) : m_options(std::move(options)) {
    m_port = free_port();
    start();
}

RedisServer::~RedisServer() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGCONT);
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
    }
}

std::string RedisServer::url(int db) const {
    return "redis://127.0.0.1:" + std::to_string(m_port) + "/" + std::to_string(db);
}

void RedisServer::start() {
    const std::string conf = m_dir.file("redis.conf");
    {
        std::ofstream c(conf);
        c << "bind 127.0.0.1\nport " << m_port << "\ndir " << m_dir.path() << "\nsave \"\"\n"
          << "daemonize no\nlogfile " << m_dir.file("redis.log") << "\nprotected-mode no\n";
        if (m_options.persistent) c << "appendonly yes\nappendfsync always\n";
        for (const auto& line : m_options.extra)
            c << line << "\n";
    }
    std::string exe = "redis-server";
    std::vector<std::string> args{exe, conf};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawnp(&pid, "redis-server", nullptr, nullptr, argv.data(), environ) != 0)
        throw std::runtime_error("cannot start redis-server (is it installed?)");
    m_pid = pid;
    // Ready when PING answers (AOF replay included).
    auto url_parsed = redis::parse_url(url());
    for (int i = 0; i < 500; ++i) {
        auto c = redis::Client::connect(*url_parsed, {std::chrono::milliseconds(200), {}});
        if (c) {
            auto r = c->command({"PING"});
            // With requirepass the server is up when it asks for authentication.
            if (r && r->str() == "PONG") return;
            if (!r && r.error().kind == ErrorKind::refused && r.error().message.find("NOAUTH") != std::string::npos)
                return;
        }
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            throw std::runtime_error("redis-server exited at start: " + slurp(m_dir.file("redis.log")));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("redis-server did not answer PING within 5 s");
}

redis::Client RedisServer::client() const {
    auto c = redis::connect_url(url());
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(c).value();
}

redis::Reply RedisServer::cmd(const std::vector<std::string>& args) const {
    auto c = client();
    auto r = c.command(args);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
}

void RedisServer::kill9() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
}

void RedisServer::stop() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
}

void RedisServer::pause() {
    if (m_pid > 0) ::kill(m_pid, SIGSTOP);
}

void RedisServer::resume() {
    if (m_pid > 0) ::kill(m_pid, SIGCONT);
}

} // namespace qops::test
