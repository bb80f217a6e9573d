#include "redis/client.hpp"

#include "base/secret.hpp"

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <sys/time.h>

namespace qops::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

bool timed_out(const redisContext* ctx) {
    return ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
}

Error refused(std::string_view command, std::string_view message) {
    return unavailable(fmt::format("Redis {} refused: {}", command, message), ErrorKind::refused);
}

struct RawConnection {
    std::unique_ptr<redisContext, void (*)(redisContext*)> ctx{nullptr, redisFree};
};

Result<RawConnection> open_endpoint(const Endpoint& ep, std::chrono::milliseconds timeout) {
    RawConnection c;
    c.ctx.reset(redisConnectWithTimeout(ep.host.c_str(), ep.port, to_timeval(timeout)));
    if (!c.ctx) throw std::bad_alloc();
    if (c.ctx->err != 0)
        return unavailable(fmt::format("cannot connect to Redis at {}:{}: {}", ep.host, ep.port, c.ctx->errstr),
                           timed_out(c.ctx.get()) ? ErrorKind::timeout : ErrorKind::io);
    if (redisSetTimeout(c.ctx.get(), to_timeval(timeout)) != REDIS_OK)
        return unavailable(fmt::format("cannot set Redis timeout: {}", c.ctx->errstr));
    return c;
}

// One command on a raw connection (discovery, before a Client exists). An error reply is
// an Error (refused).
Result<ReplyPtr> raw_command(redisContext* ctx, const std::vector<std::string>& args, const std::string& where) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    ReplyPtr r(
        static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (!r) {
        const bool timeout = timed_out(ctx);
        return unavailable(fmt::format("Redis {} {}: {}", where, timeout ? "timed out" : "failed",
                                       timeout ? "no reply within the timeout" : ctx->errstr),
                           timeout ? ErrorKind::timeout : ErrorKind::io);
    }
    if (r->type == REDIS_REPLY_ERROR) return refused(where, std::string_view(r->str, r->len));
    return r;
}

// Resolves the current master through the sentinels (Sentinel client specification:
// ask each sentinel in turn with a short timeout, then confirm the address with ROLE).
Result<Endpoint> discover_master(const Url& url, const ConnectOptions& options,
                                 const std::optional<std::string>& password, RawConnection& master) {
    bool any_sentinel = false;
    std::string last_error;
    const auto sentinel_timeout = std::min(options.timeout, k_sentinel_timeout);
    for (const auto& s : url.sentinels) {
        auto conn = open_endpoint(s, sentinel_timeout);
        if (!conn) {
            last_error = conn.error().message;
            continue;
        }
        auto r = raw_command(conn->ctx.get(), {"SENTINEL", "get-master-addr-by-name", url.master_name}, "SENTINEL");
        if (!r) {
            any_sentinel = any_sentinel || r.error().kind == ErrorKind::refused; // it answered
            last_error = r.error().message;
            continue;
        }
        any_sentinel = true;
        Reply reply(std::move(*r));
        if (reply.is_nil() || !reply.is_array() || reply.size() != 2) continue; // this sentinel does not know it
        Endpoint ep{std::string(reply.element(0).str()), 0};
        try {
            ep.port = std::stoi(std::string(reply.element(1).str()));
        } catch (...) {
            continue;
        }
        auto m = open_endpoint(ep, options.timeout);
        if (!m) {
            last_error = m.error().message;
            continue;
        }
        if (password) {
            std::vector<std::string> auth{"AUTH"};
            if (!url.user.empty()) auth.push_back(url.user);
            auth.push_back(*password);
            auto a = raw_command(m->ctx.get(), auth, "AUTH");
            wipe(auth.back());
            if (!a) {
                last_error = fmt::format("at {}:{}: {}", ep.host, ep.port, a.error().message);
                continue;
            }
        }
        auto role = raw_command(m->ctx.get(), {"ROLE"}, "ROLE");
        if (!role) {
            last_error = role.error().message;
            continue;
        }
        Reply rr(std::move(*role));
        if (!rr.is_array() || rr.size() == 0 || rr.element(0).str() != "master") {
            last_error = fmt::format("{}:{} given by a sentinel is not a master", ep.host, ep.port);
            continue;
        }
        master = std::move(*m);
        return ep;
    }
    if (!any_sentinel)
        return unavailable(fmt::format("no sentinel reachable for master '{}' ({})", url.master_name, last_error));
    if (last_error.empty())
        return unavailable(fmt::format("unknown master '{}': no sentinel knows it", url.master_name));
    return unavailable(fmt::format("cannot reach master '{}': {}", url.master_name, last_error));
}

} // namespace

Error Client::io_error(std::string_view what) const {
    if (timed_out(m_ctx.get()))
        return unavailable(fmt::format("Redis {} timed out at {}", what, m_description), ErrorKind::timeout);
    return unavailable(fmt::format("Redis {} failed at {}: {}", what, m_description,
                                   m_ctx->errstr[0] != '\0' ? m_ctx->errstr : "connection lost"),
                       ErrorKind::io);
}

Result<Client> Client::connect(const Url& url, const ConnectOptions& options) {
    auto password = resolve_password(url);
    if (!password) return password.error();
    RawConnection conn;
    std::string where;
    bool authed = false;
    switch (url.kind) {
    case Url::Kind::tcp: {
        auto c = open_endpoint(url.endpoint, options.timeout);
        if (!c) return c.error();
        conn = std::move(*c);
        where = fmt::format("{}:{}", url.endpoint.host, url.endpoint.port);
        break;
    }
    case Url::Kind::unix_socket: {
        conn.ctx.reset(redisConnectUnixWithTimeout(url.socket_path.c_str(), to_timeval(options.timeout)));
        if (!conn.ctx) throw std::bad_alloc();
        if (conn.ctx->err != 0)
            return unavailable(fmt::format("cannot connect to Redis at {}: {}", url.socket_path, conn.ctx->errstr),
                               ErrorKind::io);
        if (redisSetTimeout(conn.ctx.get(), to_timeval(options.timeout)) != REDIS_OK)
            return unavailable(fmt::format("cannot set Redis timeout: {}", conn.ctx->errstr));
        where = url.socket_path;
        break;
    }
    case Url::Kind::sentinel: {
        auto ep = discover_master(url, options, *password, conn);
        if (!ep) return ep.error();
        where = fmt::format("{}:{} (master '{}')", ep->host, ep->port, url.master_name);
        authed = true;
        break;
    }
    }
    Client client(CtxPtr(conn.ctx.release()), where);
    if (*password && !authed) {
        std::vector<std::string> auth{"AUTH"};
        if (!url.user.empty()) auth.push_back(url.user);
        auth.push_back(**password);
        auto r = client.command(auth);
        wipe(auth.back());
        wipe(**password);
        if (!r) return with_context(Result<Client>(r.error()), fmt::format("Redis authentication at {}", where));
    }
    if (url.db != 0)
        if (auto r = client.command({"SELECT", std::to_string(url.db)}); !r) return r.error();
    // CLIENT SETNAME (for CLIENT LIST) is queued and rides with the first command;
    // its reply is ignored so an ACL user without CLIENT rights still works.
    if (!options.client_name.empty()) client.m_pending_name = options.client_name;
    return client;
}

Result<Reply> Client::command(const std::vector<std::string>& args) {
    if (!m_pending_name.empty()) {
        auto replies = pipeline({args});
        if (!replies) return replies.error();
        return std::move(replies->front());
    }
    const std::string name = args.empty() ? "command" : args.front();
    auto r = raw_command(m_ctx.get(), args, name);
    if (!r) {
        if (m_ctx->err != 0) return io_error(name);
        return r.error();
    }
    return Reply(std::move(*r));
}

Result<std::vector<Reply>> Client::pipeline(const std::vector<std::vector<std::string>>& commands) {
    const bool naming = !m_pending_name.empty();
    if (naming) {
        const char* argv[] = {"CLIENT", "SETNAME", m_pending_name.c_str()};
        const size_t lens[] = {6, 7, m_pending_name.size()};
        if (redisAppendCommandArgv(m_ctx.get(), 3, argv, lens) != REDIS_OK) return io_error("CLIENT SETNAME");
        m_pending_name.clear();
    }
    for (const auto& args : commands) {
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        if (redisAppendCommandArgv(m_ctx.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
            return io_error("pipeline");
    }
    if (naming) {
        void* raw = nullptr;
        if (redisGetReply(m_ctx.get(), &raw) != REDIS_OK || raw == nullptr) return io_error("CLIENT SETNAME");
        freeReplyObject(raw);
    }
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(m_ctx.get(), &raw) != REDIS_OK || raw == nullptr) return io_error(commands[i].front());
        replies.emplace_back(ReplyPtr(static_cast<redisReply*>(raw)));
    }
    // All replies are read first, so the connection stays in step for the next call.
    for (size_t i = 0; i < commands.size(); ++i)
        if (replies[i].is_error()) return refused(commands[i].front(), replies[i].str());
    return replies;
}

std::string url_from_env_or(const std::string& flag_value) {
    if (!flag_value.empty()) return flag_value;
    const char* env = std::getenv("QUANTUM_REDIS_URL");
    return (env != nullptr && *env != '\0') ? std::string(env) : std::string(k_default_url);
}

std::chrono::milliseconds timeout_from_env() {
    const char* env = std::getenv("QUANTUM_REDIS_TIMEOUT_MS");
    if (env == nullptr || *env == '\0') return k_default_timeout;
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || v < 10 || v > 60000) return k_default_timeout;
    return std::chrono::milliseconds(v);
}

Result<long long> wait_for_replicas(Client& client, long long replicas, std::chrono::milliseconds timeout) {
    auto reply = client.command({"WAIT", std::to_string(replicas), std::to_string(timeout.count())});
    if (!reply) return reply.error();
    if (!reply->is_integer()) return unavailable("WAIT: not an integer reply");
    return reply->integer();
}

Result<Client> connect_url(const std::string& url_text, const ConnectOptions& options) {
    auto url = parse_url(url_text);
    if (!url) return url.error();
    return Client::connect(*url, options);
}

} // namespace qops::redis
