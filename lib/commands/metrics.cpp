#include "commands/metrics.hpp"

#include "base/atomic_file.hpp"
#include "base/file.hpp"
#include "base/time.hpp"

#include <cmath>
#include <fmt/format.h>
#include <sstream>

namespace qops::commands {

Metrics::Metrics(std::string job, std::string dir) : m_job(std::move(job)), m_dir(std::move(dir)) {}

void Metrics::gauge(const std::string& name, const std::string& help, double value, const std::string& extra_labels) {
    m_samples.push_back({name, help, value, extra_labels});
}

std::string Metrics::file_path() const {
    return m_dir + "/" + m_job + ".prom";
}

namespace {
std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);
}
} // namespace

std::string Metrics::render(int exit_code, double duration_seconds, int64_t now_epoch, int64_t previous_success) const {
    const bool success = exit_code == 0 || exit_code == 1;
    const int64_t last_success = success ? now_epoch : previous_success;
    const std::string job_label = fmt::format("job=\"{}\"", m_job);
    std::string out;
    auto emit = [&](const std::string& name, const std::string& help, double value, const std::string& extra) {
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
        out += fmt::format("{}{{{}{}{}}} {}\n", name, job_label, extra.empty() ? "" : ",", extra, format_value(value));
    };
    emit("quantum_job_last_run_timestamp_seconds", "Unix time the job last ran.", static_cast<double>(now_epoch), {});
    emit("quantum_job_last_success_timestamp_seconds", "Unix time the job last ended with exit code 0 or 1.",
         static_cast<double>(last_success), {});
    emit("quantum_job_duration_seconds", "Wall-clock duration of the last run.", duration_seconds, {});
    emit("quantum_job_exit_code", "Exit code of the last run (0 ok, 1 reported, 2 usage, 3 unavailable, 4 integrity).",
         exit_code, {});
    // Samples sharing a name share one HELP/TYPE header.
    for (size_t i = 0; i < m_samples.size(); ++i) {
        const auto& s = m_samples[i];
        bool first = true;
        for (size_t j = 0; j < i; ++j)
            if (m_samples[j].name == s.name) first = false;
        if (first) out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", s.name, s.help, s.name);
        out += fmt::format("{}{{{}{}{}}} {}\n", s.name, job_label, s.labels.empty() ? "" : ",", s.labels,
                           format_value(s.value));
    }
    return out;
}

int64_t read_last_success(const std::string& prom_path) {
    auto content = read_file(prom_path, 1u << 20);
    if (!content) return 0;
    std::istringstream in(*content);
    std::string line;
    const std::string key = "quantum_job_last_success_timestamp_seconds{";
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) != 0) continue;
        auto space = line.rfind(' ');
        if (space == std::string::npos) continue;
        try {
            return static_cast<int64_t>(std::stod(line.substr(space + 1)));
        } catch (...) {
            return 0;
        }
    }
    return 0;
}

Result<void> Metrics::write(int exit_code, double duration_seconds) const {
    if (!enabled()) return {};
    const std::string path = file_path();
    return write_file_atomic(path, render(exit_code, duration_seconds, now_epoch_seconds(), read_last_success(path)));
}

} // namespace qops::commands
