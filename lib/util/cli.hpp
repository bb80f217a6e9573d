#pragma once
// What every tool shares around its main(): flag parsing with the contract's exit codes,
// the --version/--metrics-dir options, and one mapping from failures to exit codes.

#include "util/error.hpp"
#include "util/metrics.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace qops {

struct ToolInfo {
    std::string name;        // executable name, e.g. "policy-refresh"; also the metrics job
    std::string tag;         // log tag, e.g. "POLICY-REFRESH"
    std::string description; // first line of --help
};

// Options every tool has.
struct CommonOptions {
    std::string metrics_dir; // --metrics-dir or $QUANTUM_METRICS_DIR
};

// Creates the CLI::App with --version and --metrics-dir; footer_text lists exit codes and
// environment for --help.
std::unique_ptr<CLI::App> make_app(const ToolInfo& info, CommonOptions& common, const std::string& footer_text);

// Parses argv. Returns an exit code to return immediately (help printed: 0; bad flag: 2
// with a one-line error on stderr), or nullopt to go on.
std::optional<int> parse_args(CLI::App& app, const ToolInfo& info, int argc, char** argv);

// Runs body, catching Failure and other exceptions: logs a FAIL line, writes the metrics
// file (with body's gauges) and returns the process exit code.
int run_tool(const ToolInfo& info, const CommonOptions& common, JobMetrics& metrics,
             const std::function<ExitCode()>& body);

// The exit-code section every --help shows.
extern const char* const k_exit_codes_help;

// The environment lines of the tools that talk to Redis (and write metrics), for the end
// of their --help "Environment:" section.
extern const char* const k_redis_env_help;

// Environment variable value or fallback when unset/empty.
std::string env_or(const char* name, const std::string& fallback);

} // namespace qops
