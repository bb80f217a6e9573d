#pragma once
// A helper server (HTTP sink, SMTP server, ...) run for the length of one test: started
// with posix_spawn, killed and reaped by the destructor.

#include <string>
#include <sys/types.h>
#include <vector>

namespace qops::test {

class Background {
public:
    // Starts argv (argv[0] looked up in PATH) with stdout/stderr to log_path.
    Background(const std::vector<std::string>& argv, const std::string& log_path);
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    pid_t pid() const noexcept { return m_pid; }

private:
    pid_t m_pid = -1;
};

// A listener on 127.0.0.1:port that completes handshakes and never answers (a hung webhook
// or relay): the kernel accepts the connections, nobody reads. Throws when it cannot listen.
class HungListener {
public:
    explicit HungListener(int port);
    ~HungListener();
    HungListener(const HungListener&) = delete;
    HungListener& operator=(const HungListener&) = delete;

private:
    int m_fd = -1;
};

// Waits until something accepts TCP connections on 127.0.0.1:port (true) or timeout_ms passes.
bool wait_for_port(int port, int timeout_ms);

} // namespace qops::test
