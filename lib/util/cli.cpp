#include "util/cli.hpp"

#include "util/log.hpp"

#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>

namespace qops {

const char* const k_exit_codes_help =
    "Exit codes:\n"
    "  0  done, nothing to report\n"
    "  1  a condition was detected and reported, or a soft failure left the previous state\n"
    "  2  usage error or invalid input; nothing was written\n"
    "  3  a dependency (Redis, journal, systemd, SMTP/webhook) is unavailable; nothing lost\n"
    "  4  integrity failure (hash mismatch, broken chain, expired policy)\n";

const char* const k_redis_env_help =
    "  QUANTUM_REDIS_URL            Redis URL when --redis is not given\n"
    "                               (redis://[user[:pw]@]host:port/db, unix:///path,\n"
    "                               sentinel://host:port[,host:port]/master)\n"
    "  QUANTUM_REDIS_PASSWORD_FILE  file holding the Redis password\n"
    "  CREDENTIALS_DIRECTORY        systemd credentials; redis-password is used if present\n"
    "  QUANTUM_REDIS_TIMEOUT_MS     connect and command timeout (default 2000)\n"
    "  QUANTUM_METRICS_DIR          as --metrics-dir\n";

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

std::unique_ptr<CLI::App> make_app(const ToolInfo& info, CommonOptions& common, const std::string& footer_text) {
    auto app = std::make_unique<CLI::App>(info.description, info.name);
    app->set_version_flag("--version", std::string(QOPS_VERSION));
    common.metrics_dir = env_or("QUANTUM_METRICS_DIR", "");
    app->add_option("--metrics-dir", common.metrics_dir,
                    "Write <dir>/" + info.name + ".prom for node_exporter's textfile collector "
                    "[env: QUANTUM_METRICS_DIR]");
    app->footer(footer_text);
    app->get_formatter()->column_width(34);
    return app;
}

std::optional<int> parse_args(CLI::App& app, const ToolInfo& info, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << info.name << " " << QOPS_VERSION << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        std::cerr << info.name << ": error: " << msg << " (see " << info.name << " --help)\n";
        return to_int(ExitCode::usage);
    }
    return std::nullopt;
}

int run_tool(const ToolInfo& info, const CommonOptions& common, JobMetrics& metrics,
             const std::function<ExitCode()>& body) {
    log::set_tag(info.tag);
    const auto started = std::chrono::steady_clock::now();
    ExitCode code = ExitCode::ok;
    try {
        code = body();
    } catch (const Failure& f) {
        log::fail("{}", f.what());
        code = f.code();
    } catch (const std::bad_alloc&) {
        log::fail("out of memory");
        code = ExitCode::unavailable;
    } catch (const std::exception& e) {
        log::fail("unexpected error: {}", e.what());
        code = ExitCode::unavailable;
    }
    (void)common;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (auto r = metrics.write(to_int(code), elapsed); !r)
        log::warn("cannot write metrics {}: {}, ignoring", metrics.file_path(), r.error().message);
    return to_int(code);
}

} // namespace qops
