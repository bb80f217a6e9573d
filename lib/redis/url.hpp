#pragma once
// The Redis URL forms of the contract:
//   redis://[user[:password]@]host:port[/db]
//   unix:///path/to/redis.sock[?db=N]
//   sentinel://host:port[,host:port...]/master-name[?db=N]

#include "base/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace qops::redis {

struct Endpoint {
    std::string host;
    int port = 6379;
};

struct Url {
    enum class Kind { tcp, unix_socket, sentinel };
    Kind kind = Kind::tcp;
    Endpoint endpoint;               // tcp
    std::string socket_path;         // unix_socket
    std::vector<Endpoint> sentinels; // sentinel
    std::string master_name;         // sentinel
    int db = 0;
    std::string user;                    // empty: default user
    std::optional<std::string> password; // from the URL itself

    // The URL with any password replaced by "***", safe to log.
    std::string redacted() const;

    Url() = default;
    Url(const Url&) = default;
    Url(Url&&) noexcept = default;
    Url& operator=(const Url&) = default;
    Url& operator=(Url&&) noexcept = default;
    ~Url(); // wipes the password
};

inline constexpr const char* k_default_url = "redis://127.0.0.1:6379/0";

// Parses one of the URL forms. Errors (usage): a one-line reason, never echoing a password.
Result<Url> parse_url(const std::string& text);

// The password to use: the URL's, else the file named by $QUANTUM_REDIS_PASSWORD_FILE,
// else the systemd credential $CREDENTIALS_DIRECTORY/redis-password, else none.
// Errors (unavailable): a named password file that cannot be read.
Result<std::optional<std::string>> resolve_password(const Url& url);

} // namespace qops::redis
