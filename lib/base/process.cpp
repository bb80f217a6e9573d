#include "base/process.hpp"

#include "base/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>
#include <memory>

extern char** environ;

namespace qops {
namespace {

using Clock = std::chrono::steady_clock;

Error spawn_error(const std::string& program, const char* step, int err) {
    return unavailable(fmt::format("cannot run {}: {}: {}", program, step, errno_text(err)));
}

// Owns posix_spawn's attribute objects (each has a destroy call).
struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    bool have_actions = false;
    bool have_attr = false;
    SpawnSetup() = default;
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    ~SpawnSetup() {
        if (have_actions) posix_spawn_file_actions_destroy(&actions);
        if (have_attr) posix_spawnattr_destroy(&attr);
    }
};

// Builds the child's setup: output to out_fd, stdin /dev/null, own process group, default
// signal dispositions and an empty mask. Returns 0 or the first error number.
int prepare(SpawnSetup& s, int out_fd, bool capture_stderr) {
    if (int rc = posix_spawn_file_actions_init(&s.actions); rc != 0) return rc;
    s.have_actions = true;
    if (int rc = posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0); rc != 0)
        return rc;
    if (int rc = posix_spawn_file_actions_adddup2(&s.actions, out_fd, STDOUT_FILENO); rc != 0) return rc;
    if (capture_stderr)
        if (int rc = posix_spawn_file_actions_adddup2(&s.actions, out_fd, STDERR_FILENO); rc != 0) return rc;
    if (int rc = posix_spawnattr_init(&s.attr); rc != 0) return rc;
    s.have_attr = true;
    const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (int rc = posix_spawnattr_setflags(&s.attr, flags); rc != 0) return rc;
    if (int rc = posix_spawnattr_setpgroup(&s.attr, 0); rc != 0) return rc;
    sigset_t empty;
    sigemptyset(&empty);
    if (int rc = posix_spawnattr_setsigmask(&s.attr, &empty); rc != 0) return rc;
    sigset_t defaults;
    sigfillset(&defaults);
    return posix_spawnattr_setsigdefault(&s.attr, &defaults);
}

// SIGCHLD blocked while it lives (the previous mask restored after), so that a child's
// exit is read from a signalfd beside its output pipe instead of being polled for.
// (pidfd_open would do as well, but valgrind 3.19, which tests/memcheck.sh runs the tools
// under, does not know that system call.)
class ChildSignal {
public:
    ChildSignal() {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        m_blocked = ::pthread_sigmask(SIG_BLOCK, &chld, &m_old) == 0;
        m_fd.reset(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
    }
    ChildSignal(const ChildSignal&) = delete;
    ChildSignal& operator=(const ChildSignal&) = delete;
    ~ChildSignal() {
        if (m_blocked) ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    bool valid() const noexcept { return m_blocked && m_fd.valid(); }
    int fd() const noexcept { return m_fd.get(); }
    // Reads the pending SIGCHLD notifications (they carry no more than "a child changed").
    void drain() const {
        signalfd_siginfo info{};
        while (::read(m_fd.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        }
    }

private:
    sigset_t m_old{};
    bool m_blocked = false;
    UniqueFd m_fd;
};

// A started child: killed (with its group) and reaped by the destructor unless it was
// reaped already, so no path leaves a zombie or a runaway group behind.
class Child {
public:
    explicit Child(pid_t pid) : m_pid(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (m_reaped) return;
        kill_group();
        wait();
    }
    void kill_group() const { ::kill(-m_pid, SIGKILL); }
    // Reaps the child if it has exited; true when it had.
    bool try_reap() {
        if (!m_reaped && ::waitpid(m_pid, &m_status, WNOHANG) == m_pid) m_reaped = true;
        return m_reaped;
    }
    // Reaps the child (which has exited, or will shortly after SIGKILL); its wait status.
    int wait() {
        while (!m_reaped) {
            if (::waitpid(m_pid, &m_status, 0) == m_pid || errno != EINTR) m_reaped = true;
        }
        return m_status;
    }

private:
    pid_t m_pid;
    int m_status = 0;
    bool m_reaped = false;
};

int ms_left(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

} // namespace

std::string ProcessResult::describe() const {
    if (timed_out) return "timed out and was killed";
    if (output_truncated) return "printed too much and was killed";
    if (term_signal != 0) return fmt::format("killed by signal {}", term_signal);
    return fmt::format("exit status {}", exit_status);
}

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) return usage_error("empty command");
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return spawn_error(argv[0], "pipe", errno);
    UniqueFd rd(pipefd[0]);
    UniqueFd wr(pipefd[1]);

    SpawnSetup setup;
    if (int rc = prepare(setup, wr.get(), options.capture_stderr); rc != 0)
        return spawn_error(argv[0], "posix_spawn attributes", rc);
    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str())); // NOLINT: execve takes char*
    cargv.push_back(nullptr);
    const ChildSignal exits;
    if (!exits.valid()) return spawn_error(argv[0], "signalfd", errno);
    pid_t pid = -1;
    if (int rc = ::posix_spawnp(&pid, cargv[0], &setup.actions, &setup.attr, cargv.data(), environ); rc != 0)
        return spawn_error(argv[0], "posix_spawnp", rc);
    Child child(pid);
    wr.reset();

    ProcessResult result;
    const auto deadline = Clock::now() + options.timeout;
    char buf[65536];
    bool output_open = true;
    bool exited = false;
    for (;;) {
        pollfd fds[2];
        nfds_t count = 0;
        int out_at = -1;
        int pid_at = -1;
        if (output_open) out_at = static_cast<int>(count), fds[count++] = {rd.get(), POLLIN, 0};
        if (!exited) pid_at = static_cast<int>(count), fds[count++] = {exits.fd(), POLLIN, 0};
        if (count == 0) break;
        // Once the child has exited, only what is already in the pipe is read: a
        // background grandchild holding the pipe open does not hold us.
        const int pr = ::poll(fds, count, exited ? 0 : ms_left(deadline));
        if (pr < 0) {
            if (errno == EINTR) continue;
            return unavailable(fmt::format("poll while running {}: {}", argv[0], errno_text(errno)));
        }
        if (pr == 0) {
            result.timed_out = !exited;
            break;
        }
        if (pid_at >= 0 && (fds[pid_at].revents & POLLIN) != 0) {
            exits.drain();
            exited = child.try_reap();
        }
        if (out_at >= 0 && fds[out_at].revents != 0) {
            const ssize_t n = ::read(rd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                output_open = false;
                continue;
            }
            result.out.append(buf, static_cast<size_t>(n));
            if (result.out.size() > options.max_output) {
                result.output_truncated = true;
                break;
            }
        }
    }
    if (result.timed_out || result.output_truncated) child.kill_group();
    const int status = child.wait();
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
    return result;
}

Result<ProcessResult> run_shell(const std::string& command, const ProcessOptions& options) {
    return run_process({"/bin/sh", "-c", command}, options);
}

} // namespace qops
