#pragma once
// Redis Sentinel for the failover tests: redis-sentinel daemons on loopback monitoring a
// master (a RedisServer), and what the tests wait on.

#include "support/temp_dir.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace qops::test {

inline constexpr const char* k_sentinel_master_name = "qops";

// One redis-sentinel daemon (quorum 2, down after 400 ms), killed when it goes out of scope.
class Sentinel {
public:
    Sentinel(const TempDir& dir, int index, int master_port);
    ~Sentinel();
    Sentinel(const Sentinel&) = delete;
    Sentinel& operator=(const Sentinel&) = delete;
    int port() const noexcept { return m_port; }

private:
    int m_port;
    std::string m_pidfile;
};

// The master's port as the sentinel on sentinel_port reports it (0 when it does not answer).
int reported_master_port(int sentinel_port);

// True as soon as pred() is, polling every poll until limit has passed.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20));

} // namespace qops::test
