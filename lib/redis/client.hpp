#pragma once
// A synchronous Redis client over hiredis with bounded connect and command timeouts.
// Every failure is a value of kind timeout (no reply in time), io (connection lost or
// refused) or refused (an error reply: WRONGTYPE, NOPERM, NOSCRIPT ...): a Reply is
// never an error reply, except inside the array a transaction's EXEC returns.

#include "base/error.hpp"
#include "redis/url.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qops::redis {

inline constexpr std::chrono::milliseconds k_default_timeout{2000};
inline constexpr std::chrono::milliseconds k_sentinel_timeout{250};

struct ReplyDeleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// An owned reply; element() views into it.
class Reply {
public:
    explicit Reply(ReplyPtr r) : m_owner(std::move(r)), m_r(m_owner.get()) {}

    bool is_nil() const { return m_r->type == REDIS_REPLY_NIL; }
    bool is_array() const { return m_r->type == REDIS_REPLY_ARRAY; }
    bool is_string() const { return m_r->type == REDIS_REPLY_STRING || m_r->type == REDIS_REPLY_STATUS; }
    bool is_integer() const { return m_r->type == REDIS_REPLY_INTEGER; }
    bool is_error() const { return m_r->type == REDIS_REPLY_ERROR; }
    std::string_view str() const { return {m_r->str, m_r->len}; }
    long long integer() const { return m_r->integer; }
    size_t size() const { return is_array() ? m_r->elements : 0; }
    // A non-owning view of element i of an array reply (valid while this Reply lives).
    Reply element(size_t i) const { return Reply(m_r->element[i]); }
    int type() const { return m_r->type; }

private:
    explicit Reply(redisReply* borrowed) : m_r(borrowed) {}
    ReplyPtr m_owner;
    redisReply* m_r;
};

struct ConnectOptions {
    std::chrono::milliseconds timeout = k_default_timeout; // connect and each command
    std::string client_name;                               // CLIENT SETNAME, for `CLIENT LIST`
};

class Client {
public:
    // Connects (sentinel discovery, AUTH, SELECT) with bounded time.
    static Result<Client> connect(const Url& url, const ConnectOptions& options = {});

    // Sends one command; arguments are binary-safe. An error reply is an Error (refused).
    Result<Reply> command(const std::vector<std::string>& args);
    // Sends several commands in one round trip and returns their replies in order. Every
    // reply is read; the first I/O failure or error reply fails the whole call.
    Result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);

    const std::string& description() const noexcept { return m_description; }

private:
    struct CtxDeleter {
        void operator()(redisContext* c) const noexcept { redisFree(c); }
    };
    using CtxPtr = std::unique_ptr<redisContext, CtxDeleter>;
    Client(CtxPtr ctx, std::string description) : m_ctx(std::move(ctx)), m_description(std::move(description)) {}

    Error io_error(std::string_view what) const;

    CtxPtr m_ctx;
    std::string m_description;
    std::string m_pending_name; // CLIENT SETNAME not yet sent
};

// WAIT: blocks until replicas replicas have acknowledged every write this connection
// made, or timeout passes (keep it below the command timeout), and returns how many did.
// Errors: as Client::command().
Result<long long> wait_for_replicas(Client& client, long long replicas, std::chrono::milliseconds timeout);

// Connects using --redis/QUANTUM_REDIS_URL text (the tools' usual entry point).
Result<Client> connect_url(const std::string& url_text, const ConnectOptions& options = {});

// The URL text from a flag value or $QUANTUM_REDIS_URL or the default.
std::string url_from_env_or(const std::string& flag_value);

// The command timeout from $QUANTUM_REDIS_TIMEOUT_MS, else k_default_timeout.
std::chrono::milliseconds timeout_from_env();

} // namespace qops::redis
