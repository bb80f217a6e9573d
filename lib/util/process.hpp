#pragma once
// Runs a child process with a deadline and a cap on what it prints.

#include "util/error.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace qops {

struct ProcessResult {
    int exit_status = -1;     // exit code when the child exited
    int term_signal = 0;      // signal number when the child was killed by one
    bool timed_out = false;   // killed because the deadline passed
    bool output_truncated = false; // stdout exceeded max_output (child was killed)
    std::string out;          // what it wrote to stdout
};

struct ProcessOptions {
    std::chrono::milliseconds timeout{30000};
    size_t max_output = 1u << 20;
    bool capture_stderr = false; // false: child's stderr is ours
};

// Runs argv (argv[0] looked up in PATH) in its own process group; on timeout or
// oversize output the whole group gets SIGKILL. Errors (unavailable): fork/exec failed.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options);

// Runs a shell command line with /bin/sh -c.
Result<ProcessResult> run_shell(const std::string& command, const ProcessOptions& options);

} // namespace qops
