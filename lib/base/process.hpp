#pragma once
// Runs a child process with a deadline and a cap on what it prints. The only process
// runner of the project: the policy generator, the emergency stop's cancel hook, git.

#include "base/error.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace qops {

struct ProcessResult {
    int exit_status = -1;          // exit code when the child exited
    int term_signal = 0;           // signal number when the child was killed by one
    bool timed_out = false;        // killed because the deadline passed
    bool output_truncated = false; // stdout exceeded max_output (the child was killed)
    std::string out;               // what it wrote to stdout (and stderr with capture_stderr)

    bool succeeded() const noexcept { return exit_status == 0 && !timed_out && !output_truncated; }
    // "exit status 3", "killed by signal 9", "timed out", "printed more than N bytes".
    std::string describe() const;
};

struct ProcessOptions {
    std::chrono::milliseconds timeout{30000};
    size_t max_output = 1u << 20;
    bool capture_stderr = false; // false: the child's stderr is ours
};

// Runs argv (argv[0] looked up in PATH) in its own process group, stdin from /dev/null;
// on timeout or oversize output the whole group gets SIGKILL. Waits on SIGCHLD (a
// signalfd, SIGCHLD blocked meanwhile) and the output pipe together, so it returns as soon
// as the child exits. The child is always reaped. Errors: unavailable (it could not be started), usage (empty argv).
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options);

// Runs a shell command line with /bin/sh -c.
Result<ProcessResult> run_shell(const std::string& command, const ProcessOptions& options);

} // namespace qops
