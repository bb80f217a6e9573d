#include "base/process.hpp"

#include "base/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc 2.36 declares pidfd_open without C linkage for C++ (fixed in 2.37).
extern "C" {
#include <sys/pidfd.h>
}

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

// A started child: killed (with its group) and reaped by the destructor unless wait()
// reaped it, so no path leaves a zombie or a runaway group behind.
class Child {
public:
    explicit Child(pid_t pid) : m_pid(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (m_pid <= 0) return;
        kill_group();
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    void kill_group() const { ::kill(-m_pid, SIGKILL); }
    // Reaps the child (which has exited, or will shortly after SIGKILL).
    int wait() {
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_pid = -1;
        return status;
    }
    pid_t pid() const noexcept { return m_pid; }

private:
    pid_t m_pid;
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
    pid_t pid = -1;
    if (int rc = ::posix_spawnp(&pid, cargv[0], &setup.actions, &setup.attr, cargv.data(), environ); rc != 0)
        return spawn_error(argv[0], "posix_spawnp", rc);
    Child child(pid);
    wr.reset();
    const UniqueFd pidfd(::pidfd_open(pid, 0));
    if (!pidfd) return spawn_error(argv[0], "pidfd_open", errno);

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
        if (!exited) pid_at = static_cast<int>(count), fds[count++] = {pidfd.get(), POLLIN, 0};
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
        if (pid_at >= 0 && (fds[pid_at].revents & POLLIN) != 0) exited = true;
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
