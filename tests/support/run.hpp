#pragma once
// Runs one of the built tools (or any program) as a whole process and captures
// its exit code, stdout and stderr.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace qops::test {

struct RunResult {
    int exit_code = -1; // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};

struct RunOptions {
    std::map<std::string, std::string> env; // added to (or replacing) the inherited environment
    std::vector<std::string> unset_env;     // removed from it
    std::string stdin_data;
    std::string cwd;
    std::chrono::milliseconds timeout{60000};
};

// argv[0] is a tool name in QOPS_BIN_DIR, or a path, or a program in PATH.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Path of a built tool.
std::string tool_path(const std::string& name);

} // namespace qops::test
