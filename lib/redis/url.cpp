#include "redis/url.hpp"

#include "base/secret.hpp"

#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

namespace qops::redis {
namespace {

Error bad(const std::string& why) {
    return Error{ExitCode::usage, "invalid Redis URL: " + why};
}

bool parse_int(std::string_view s, int& out, int lo, int hi) {
    if (s.empty()) return false;
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
    out = v;
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Userinfo may carry %XX escapes (a password with '@' or ':').
std::string percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int h = hex_value(s[i + 1]);
            int l = hex_value(s[i + 2]);
            if (h >= 0 && l >= 0) {
                out += static_cast<char>(h * 16 + l);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

Result<Endpoint> parse_endpoint(std::string_view hp) {
    Endpoint ep;
    std::string_view host;
    std::string_view port;
    if (!hp.empty() && hp.front() == '[') { // [::1]:6379
        auto close = hp.find(']');
        if (close == std::string_view::npos) return bad("unterminated [ in host");
        host = hp.substr(1, close - 1);
        if (close + 1 < hp.size()) {
            if (hp[close + 1] != ':') return bad("expected :port after ]");
            port = hp.substr(close + 2);
        }
    } else {
        auto colon = hp.rfind(':');
        host = colon == std::string_view::npos ? hp : hp.substr(0, colon);
        if (colon != std::string_view::npos) port = hp.substr(colon + 1);
    }
    if (host.empty()) return bad("missing host");
    if (host.find_first_of("/?#@ \t") != std::string_view::npos) return bad("bad character in host");
    ep.host = std::string(host);
    if (!port.empty() && !parse_int(port, ep.port, 1, 65535)) return bad("the port is not a number from 1 to 65535");
    return ep;
}

// Splits "path?db=N" and applies db.
Result<std::string_view> take_query(std::string_view rest, int& db) {
    auto q = rest.find('?');
    if (q == std::string_view::npos) return rest;
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view kv = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (kv.rfind("db=", 0) == 0) {
            if (!parse_int(kv.substr(3), db, 0, 65535)) return bad("bad db in query");
        } else {
            return bad("unknown query parameter (only db=N is supported)");
        }
    }
    return rest;
}

} // namespace

Url::~Url() {
    if (password) wipe(*password);
}

std::string Url::redacted() const {
    switch (kind) {
    case Kind::unix_socket:
        return fmt::format("unix://{}?db={}", socket_path, db);
    case Kind::sentinel: {
        std::string hosts;
        for (const auto& s : sentinels)
            hosts += fmt::format("{}{}:{}", hosts.empty() ? "" : ",", s.host, s.port);
        return fmt::format("sentinel://{}/{}?db={}", hosts, master_name, db);
    }
    case Kind::tcp:
        break;
    }
    std::string auth;
    if (!user.empty() || password) auth = fmt::format("{}{}@", user, password ? ":***" : "");
    return fmt::format("redis://{}{}:{}/{}", auth, endpoint.host, endpoint.port, db);
}

Result<Url> parse_url(const std::string& text) {
    Url url;
    std::string_view s = text;
    if (s.rfind("unix://", 0) == 0) {
        url.kind = Url::Kind::unix_socket;
        auto rest = take_query(s.substr(7), url.db);
        if (!rest) return rest.error();
        if (rest->empty() || rest->front() != '/') return bad("unix:// needs an absolute socket path");
        url.socket_path = std::string(*rest);
        return url;
    }
    if (s.rfind("sentinel://", 0) == 0) {
        url.kind = Url::Kind::sentinel;
        // A Sentinel URL has no user info: an '@' here is a password given in the wrong
        // place, and nothing of it may reach a message.
        if (s.find('@') != std::string_view::npos)
            return bad("sentinel:// takes no user or password; give the password in QUANTUM_REDIS_PASSWORD_FILE");
        auto rest = take_query(s.substr(11), url.db);
        if (!rest) return rest.error();
        auto slash = rest->find('/');
        if (slash == std::string_view::npos || slash + 1 >= rest->size()) return bad("sentinel:// needs /master-name");
        url.master_name = std::string(rest->substr(slash + 1));
        std::string_view hosts = rest->substr(0, slash);
        while (!hosts.empty()) {
            auto comma = hosts.find(',');
            auto ep = parse_endpoint(hosts.substr(0, comma));
            if (!ep) return ep.error();
            if (ep->port == 6379 && hosts.substr(0, comma).find(':') == std::string_view::npos) ep->port = 26379;
            url.sentinels.push_back(*ep);
            hosts = comma == std::string_view::npos ? std::string_view{} : hosts.substr(comma + 1);
        }
        if (url.sentinels.empty()) return bad("sentinel:// needs at least one host:port");
        return url;
    }
    if (s.rfind("redis://", 0) != 0) return bad("expected redis://, unix:// or sentinel://");
    s.remove_prefix(8);
    // The user info ends at the last '@': a password may hold any character, '/', '?' and
    // '@' included, so it is split off before anything else is parsed, and no error below
    // can quote a fragment of it.
    if (const auto at = s.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = s.substr(0, at);
        s.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        url.user = percent_decode(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
        if (url.user.find_first_of(" \t\r\n") != std::string::npos) return bad("bad character in the user name");
    }
    auto without_query = take_query(s, url.db);
    if (!without_query) return without_query.error();
    const std::string_view rest = *without_query;
    const auto slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    auto ep = parse_endpoint(authority);
    if (!ep) return ep.error();
    url.endpoint = *ep;
    if (!path.empty() && !parse_int(path, url.db, 0, 65535))
        return bad("the database after '/' is not a number from 0 to 65535");
    return url;
}

Result<std::optional<std::string>> resolve_password(const Url& url) {
    if (url.password) return std::optional<std::string>(*url.password);
    return read_secret("QUANTUM_REDIS_PASSWORD_FILE", "redis-password");
}

} // namespace qops::redis
