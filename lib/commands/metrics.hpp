#pragma once
// Prometheus textfile metrics for node_exporter's textfile collector: DIR/<job>.prom,
// replaced atomically at the end of each run.

#include "base/error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qops::commands {

class Metrics {
public:
    // dir empty: metrics disabled, write() does nothing.
    Metrics(std::string job, std::string dir);

    // Adds a tool-specific gauge, e.g. gauge("quantum_policy_valid_until_timestamp_seconds", "...", v).
    // extra_labels like R"(unit="x")" are added after job="<job>".
    void gauge(const std::string& name, const std::string& help, double value, const std::string& extra_labels = {});

    // Renders the file content for a run that ended with exit_code at now_epoch.
    // previous_success: last success timestamp carried over from the previous file.
    std::string render(int exit_code, double duration_seconds, int64_t now_epoch, int64_t previous_success) const;

    // Writes DIR/<job>.prom atomically. A success is exit code 0 or 1 (the unit's
    // SuccessExitStatus); otherwise the previous last-success timestamp is kept.
    Result<void> write(int exit_code, double duration_seconds) const;

    bool enabled() const noexcept { return !m_dir.empty(); }
    std::string file_path() const;

private:
    struct Sample {
        std::string name;
        std::string help;
        double value;
        std::string labels;
    };
    std::string m_job;
    std::string m_dir;
    std::vector<Sample> m_samples;
};

// Reads quantum_job_last_success_timestamp_seconds from an existing .prom file (0 if none).
int64_t read_last_success(const std::string& prom_path);

} // namespace qops::commands
