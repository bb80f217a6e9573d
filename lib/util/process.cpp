#include "util/process.hpp"

#include "util/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

extern char** environ;

namespace qops {

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) return Error{ExitCode::usage, "empty command"};
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0)
        return Error{ExitCode::unavailable, fmt::format("pipe: {}", errno_text(errno))};
    UniqueFd rd(pipefd[0]);
    UniqueFd wr(pipefd[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, wr.get(), STDOUT_FILENO);
    if (options.capture_stderr) posix_spawn_file_actions_adddup2(&actions, wr.get(), STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attr, &empty);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigdefault(&attr, &defaults);

    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);

    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return Error{ExitCode::unavailable, fmt::format("cannot run {}: {}", argv[0], errno_text(rc))};
    wr.reset();

    ProcessResult result;
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    bool killed = false;
    char buf[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd pfd{rd.get(), POLLIN, 0};
        int pr = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (pr < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (pr == 0) continue; // deadline re-checked at the top
        ssize_t n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n == 0) break; // all writers closed
        result.out.append(buf, static_cast<size_t>(n));
        if (result.out.size() > options.max_output) {
            result.output_truncated = true;
            break;
        }
    }
    if (result.timed_out || result.output_truncated) {
        ::kill(-pid, SIGKILL);
        killed = true;
    }
    int status = 0;
    for (;;) {
        if (!killed) {
            // Output closed; give the child until the deadline to exit.
            pid_t w = ::waitpid(pid, &status, WNOHANG);
            if (w == pid) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                result.timed_out = true;
                ::kill(-pid, SIGKILL);
                killed = true;
                continue;
            }
            ::usleep(2000);
            continue;
        }
        if (::waitpid(pid, &status, 0) == pid || errno != EINTR) break;
    }
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
    return result;
}

Result<ProcessResult> run_shell(const std::string& command, const ProcessOptions& options) {
    return run_process({"/bin/sh", "-c", command}, options);
}

} // namespace qops
