#pragma once
// ops-ledger-append: build, chain and append an entry under a lock; verify the ledger.

#include "util/error.hpp"
#include "util/metrics.hpp"

#include <string>
#include <vector>

namespace qops::ledger {

struct AppendOptions {
    std::string ledger;          // --ledger (else ops/OPS_CHANGELOG.md of the git checkout)
    std::string name, risk_class, blast_radius, summary, outcome;
    std::string objective, requested_by = "SELF", approved_by = "SELF", rollback_ref, notes;
    std::vector<std::string> services;
    std::string proof_file, metrics_url;
    std::vector<std::string> redis_snapshots;
    std::string rollback_of;
    bool git_tag = false, dry_run = false, json = false, verify = false;
    std::string redis_url;
};

ExitCode run(const AppendOptions& o, JobMetrics& metrics);

} // namespace qops::ledger
