#pragma once
// A real redis-server for one test: started on a free loopback port in its own
// directory, stopped (or killed) by the test or the destructor.

#include "redis/client.hpp"
#include "support/temp_dir.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace qops::test {

struct RedisServerOptions {
    bool persistent = false;        // appendonly + fsync always: data survives kill -9
    std::vector<std::string> extra; // extra "directive value" config lines
};

class RedisServer {
public:
    explicit RedisServer(RedisServerOptions options = {});
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const noexcept { return m_port; }
    std::string url(int db = 0) const;
    const std::string& dir() const noexcept { return m_dir.path(); }

    // A new client connection (throws on failure).
    redis::Client client() const;
    // Runs one command and returns the reply (throws on I/O failure).
    redis::Reply cmd(const std::vector<std::string>& args) const;

    void kill9();  // SIGKILL, as a crash
    void stop();   // SIGTERM and wait
    void start();  // (re)start on the same port and directory
    void pause();  // SIGSTOP
    void resume(); // SIGCONT
    bool running() const noexcept { return m_pid > 0; }
    pid_t pid() const noexcept { return m_pid; }

private:
    RedisServerOptions m_options;
    TempDir m_dir;
    int m_port = 0;
    pid_t m_pid = -1;
};

// A TCP port on 127.0.0.1 nobody listens on right now.
int free_port();

} // namespace qops::test
