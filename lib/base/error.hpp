#pragma once
// One error family for the whole library. Every error carries the contract's exit-code
// class, so a command maps any failure to its exit code in one place (commands/cli).
// The same condition has the same code in every command:
//   usage        the operator's input is wrong (flag, document, field, key file mode)
//   unavailable  a dependency did not answer or refused (Redis, journal, systemd, disk,
//                SMTP, webhook); nothing was lost
//   integrity    stored data is not what it claims (hash, signature, chain, expiry)

#include <exception>
#include <string>
#include <utility>
#include <variant>

namespace qops {

// Exit codes of the contract (CONTRACT.md, "Common to every tool").
enum class ExitCode : int {
    ok = 0,          // done, nothing to report
    reported = 1,    // a condition was detected and reported, or a soft failure
    usage = 2,       // usage error or invalid input; nothing was written
    unavailable = 3, // a dependency is unavailable; nothing lost
    integrity = 4,   // hash mismatch, broken chain, expired policy
};

// Process exit status for an ExitCode.
constexpr int to_int(ExitCode code) noexcept {
    return static_cast<int>(code);
}

// What went wrong with a dependency, where callers act on the difference (a timeout is
// retried elsewhere, a refusal is not).
enum class ErrorKind {
    other,
    timeout,   // a bounded wait ran out
    io,        // the connection or the file failed
    refused,   // the peer answered with an error (Redis error reply, HTTP status, bus error)
    not_found, // the thing asked for does not exist (file, unit, key)
};

struct Error {
    ExitCode code = ExitCode::unavailable;
    std::string message;
    ErrorKind kind = ErrorKind::other;
};

// The three constructors the library uses, named for the condition.
inline Error usage_error(std::string message) {
    return Error{ExitCode::usage, std::move(message)};
}
inline Error unavailable(std::string message, ErrorKind kind = ErrorKind::other) {
    return Error{ExitCode::unavailable, std::move(message), kind};
}
inline Error integrity_error(std::string message) {
    return Error{ExitCode::integrity, std::move(message)};
}

// Expected failures are values: Result<T> holds either a T or an Error.
template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}     // NOLINT(google-explicit-constructor)
    Result(Error error) : m_v(std::move(error)) {} // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &std::get<0>(m_v); }
    const T* operator->() const { return &std::get<0>(m_v); }
    T& operator*() & { return std::get<0>(m_v); }
    const T& operator*() const& { return std::get<0>(m_v); }
    T&& operator*() && { return std::get<0>(std::move(m_v)); }
    const Error& error() const& { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

// Result of an operation that produces nothing but may fail.
template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {} // NOLINT(google-explicit-constructor)
    bool ok() const noexcept { return m_ok; }
    explicit operator bool() const noexcept { return m_ok; }
    const Error& error() const& { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

// Exceptional failures are thrown as Failure; commands catch it at the top and map its
// code to the exit status.
class Failure : public std::exception {
public:
    Failure(ExitCode code, std::string message) : m_error{code, std::move(message)} {}
    explicit Failure(Error error) : m_error(std::move(error)) {}
    const char* what() const noexcept override { return m_error.message.c_str(); }
    ExitCode code() const noexcept { return m_error.code; }
    const Error& error() const noexcept { return m_error; }

private:
    Error m_error;
};

// Returns the value of r or throws its error as a Failure.
template <typename T> T value_or_throw(Result<T> r) {
    if (!r) throw Failure(r.error());
    return std::move(r).value();
}

inline void value_or_throw(const Result<void>& r) {
    if (!r) throw Failure(r.error());
}

// Prefixes the message of r's error with context ("checkpoint: ..."), keeping code and kind.
template <typename T> Result<T> with_context(Result<T> r, const std::string& context) {
    if (r) return r;
    Error e = r.error();
    e.message = context + ": " + e.message;
    return e;
}

// strerror(err) as a std::string, thread-safe.
std::string errno_text(int err);

} // namespace qops
