#include "commands/cli.hpp"

#include "base/env.hpp"
#include "commands/log.hpp"

#include <chrono>
#include <cstring>
#include <iostream>

namespace qops::commands {

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

namespace {

// --metrics-dir as written in argv, for a parse that failed before assigning it.
std::string metrics_dir_in_argv(int argc, char** argv, std::string fallback) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--metrics-dir" && i + 1 < argc) return argv[i + 1];
        if (a.starts_with("--metrics-dir=")) return std::string(a.substr(14));
    }
    return fallback;
}

} // namespace

std::unique_ptr<CLI::App> make_app(const ToolInfo& info, std::string& metrics_dir, const std::string& footer_text) {
    auto app = std::make_unique<CLI::App>(info.description, info.name);
    app->set_version_flag("--version", std::string(QOPS_VERSION));
    metrics_dir = env_or("QUANTUM_METRICS_DIR", "");
    app->add_option("--metrics-dir", metrics_dir,
                    "Write <dir>/" + info.name +
                        ".prom for node_exporter's textfile collector "
                        "[env: QUANTUM_METRICS_DIR]");
    app->footer(footer_text);
    app->get_formatter()->column_width(34);
    return app;
}

int run(const ToolInfo& info, CLI::App& app, const std::string& metrics_dir, int argc, char** argv,
        const std::function<ExitCode(Metrics&)>& body) {
    log::set_identity(info.name, info.tag);
    const auto started = std::chrono::steady_clock::now();
    ExitCode code = ExitCode::ok;
    std::string dir;
    bool parsed = false;
    try {
        app.parse(argc, argv);
        parsed = true;
        dir = metrics_dir;
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
        std::cerr << info.name << ": error: " << e.what() << " (see " << info.name << " --help)\n";
        code = ExitCode::usage;
        dir = metrics_dir_in_argv(argc, argv, metrics_dir);
    }
    Metrics metrics(info.name, dir);
    if (parsed) {
        try {
            code = body(metrics);
        } catch (const Failure& f) {
            code = f.code();
            log::event(log::Level::fail, ids::tool_failed, {{"QUANTUM_EXIT_CODE", to_int(code)}}, "{}", f.what());
        } catch (const std::bad_alloc&) {
            log::fail("out of memory");
            code = ExitCode::unavailable;
        } catch (const std::exception& e) {
            code = ExitCode::unavailable;
            log::event(log::Level::fail, ids::tool_failed, {{"QUANTUM_EXIT_CODE", to_int(code)}},
                       "unexpected error: {}", e.what());
        }
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (auto r = metrics.write(to_int(code), elapsed); !r)
        log::warn("cannot write metrics {}: {}, ignoring", metrics.file_path(), r.error().message);
    return to_int(code);
}

} // namespace qops::commands
