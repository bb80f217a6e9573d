#include "audit/jobs.hpp"

#include "audit/log.hpp"
#include "util/cli.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace qops::audit {

ExitCode run_append(const LogOptions& o, const std::vector<std::string>& messages, bool no_sync, JobMetrics& metrics) {
    const std::string path = locate_log(o);
    const std::string key = value_or_throw(load_key());
    std::vector<std::string> all;
    for (const auto& m : messages) {
        if (m != "-") {
            all.push_back(m);
            continue;
        }
        std::string line;
        while (std::getline(std::cin, line)) all.push_back(line);
    }
    if (all.empty()) throw Failure(ExitCode::usage, "nothing to append: give MESSAGE... or - for stdin");
    auto written = value_or_throw(append(path, all, key, !no_sync));
    metrics.gauge("quantum_audit_appended", "Entries appended by the last run.", static_cast<double>(written.size()));
    if (written.size() <= 3)
        for (const auto& m : all) log::ok("Audit logged: {}", escape_message(m));
    else
        log::ok("Audit logged: {} entries to {}", written.size(), path);
    return ExitCode::ok;
}

ExitCode run_stats(const LogOptions& o, JobMetrics& metrics) {
    const std::string path = locate_log(o);
    if (::access(path.c_str(), F_OK) != 0) throw Failure(ExitCode::unavailable, fmt::format("no audit log at {}", path));
    const uint64_t total = value_or_throw(count_lines(path));
    const auto today = iso8601_utc(now_epoch_seconds()).substr(0, 10);
    const auto range = value_or_throw(find_day(path, today));
    const uint64_t today_count = value_or_throw(read_range(path, range, 0)).count;
    metrics.gauge("quantum_audit_entries", "Entries in the audit log.", static_cast<double>(total));
    if (o.json)
        std::cout << nlohmann::json{{"log", path}, {"total", total}, {"today", today_count}, {"date", today}}.dump()
                  << "\n";
    else
        std::cout << fmt::format("📊 Total Entries: {}\n📊 Today's Entries: {}\n", total, today_count);
    return ExitCode::ok;
}

ExitCode run_verify(const LogOptions& o, JobMetrics& metrics) {
    const std::string path = locate_log(o);
    const auto rep = value_or_throw(verify(path, value_or_throw(load_key())));
    metrics.gauge("quantum_audit_chain_ok", "1 when the last verify found the chain intact.", rep.ok ? 1 : 0);
    if (o.json)
        std::cout << nlohmann::json{{"log", path},       {"ok", rep.ok},           {"lines", rep.lines},
                                    {"legacy", rep.legacy}, {"chained", rep.chained}, {"bad_line", rep.bad_line},
                                    {"problem", rep.problem}, {"head_checked", rep.head_checked}}
                         .dump()
                  << "\n";
    if (!rep.ok) {
        log::fail("{} line {}: {}", path, rep.bad_line, rep.problem);
        return ExitCode::integrity;
    }
    if (!rep.head_checked && rep.chained > 0)
        log::warn("no head record {}.head: a removed tail cannot be detected", path);
    log::ok("{}: {} entries verify ({} chained, {} legacy unchained)", path, rep.lines, rep.chained, rep.legacy);
    return ExitCode::ok;
}

ExitCode run_test(const LogOptions& o, JobMetrics& metrics) {
    return run_append(o, {"Test audit entry - system check"}, false, metrics);
}

} // namespace qops::audit
