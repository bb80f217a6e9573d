#pragma once
// What every command shares around its body: flag parsing (CLI11) with the contract's
// exit codes, the --version and --metrics-dir options, and one mapping from failures to
// exit codes, log lines and the metrics file, for usage errors too.

#include "base/error.hpp"
#include "commands/metrics.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

namespace qops::commands {

struct ToolInfo {
    std::string name;        // executable name, e.g. "policy-refresh"; also the metrics job label
    std::string tag;         // log tag, e.g. "POLICY-REFRESH"
    std::string description; // first line of --help
};

// Creates the CLI::App with --version and --metrics-dir (default $QUANTUM_METRICS_DIR);
// footer_text (environment, exit codes) ends --help.
std::unique_ptr<CLI::App> make_app(const ToolInfo& info, std::string& metrics_dir, const std::string& footer_text);

// Parses argv, then runs body with a Metrics object: --help/--version print and return 0;
// a bad flag prints one error line and is exit 2; a Failure or exception thrown by body is
// logged as a FAIL line and mapped to its exit code. The metrics file is written in every
// case but --help/--version. Returns the process exit status.
int run(const ToolInfo& info, CLI::App& app, const std::string& metrics_dir, int argc, char** argv,
        const std::function<ExitCode(Metrics&)>& body);

// The exit-code section every --help shows.
extern const char* const k_exit_codes_help;
// The Redis environment variables, for the --help of the tools that use Redis.
extern const char* const k_redis_env_help;

// The --redis flag's help text (the same in every tool).
inline constexpr const char* k_redis_flag_help = "Redis URL [env: QUANTUM_REDIS_URL, default redis://127.0.0.1:6379/0]";

} // namespace qops::commands
