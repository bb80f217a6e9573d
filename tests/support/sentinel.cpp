#include "support/sentinel.hpp"

#include "support/redis_server.hpp"
#include "support/run.hpp"

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace qops::test {

Sentinel::Sentinel(const TempDir& dir, int index, int master_port) : m_port(free_port()) {
    const std::string name = "sentinel-" + std::to_string(index);
    m_pidfile = dir.file(name + ".pid");
    const std::string master = k_sentinel_master_name;
    const std::string conf =
        dir.write(name + ".conf", "port " + std::to_string(m_port) + "\nbind 127.0.0.1\ndaemonize yes\npidfile " +
                                      m_pidfile + "\nlogfile " + dir.file(name + ".log") + "\ndir " + dir.path() +
                                      "\nsentinel monitor " + master + " 127.0.0.1 " + std::to_string(master_port) +
                                      " 2\nsentinel down-after-milliseconds " + master +
                                      " 400\nsentinel failover-timeout " + master + " 3000\n");
    if (std::system(("redis-sentinel " + conf + " </dev/null >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("cannot start redis-sentinel (is redis-sentinel installed?)");
}

Sentinel::~Sentinel() {
    // Best effort: the daemon may be gone already, and a destructor reports nothing.
    const int rc = std::system(("kill -9 $(cat " + m_pidfile + ") 2>/dev/null").c_str());
    (void)rc;
}

int reported_master_port(int sentinel_port) {
    auto r = run({"redis-cli", "-p", std::to_string(sentinel_port), "--raw", "SENTINEL", "get-master-addr-by-name",
                  k_sentinel_master_name});
    const auto nl = r.out.find('\n');
    if (r.exit_code != 0 || nl == std::string::npos) return 0;
    return std::atoi(r.out.c_str() + nl + 1);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit, std::chrono::milliseconds poll) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(poll);
    }
    return pred();
}

} // namespace qops::test
