#pragma once
// The command layer: one entry point per executable. Each parses its flags, runs the
// domain modules, logs, writes its metrics and returns the contract's exit code
// (commands/cli.hpp). tools/<tool>/main.cpp calls exactly one of these.

namespace qops::commands {

int policy_refresh_main(int argc, char** argv);
int policy_show_main(int argc, char** argv);
int exit_owner_watch_main(int argc, char** argv);
int audit_log_main(int argc, char** argv);
int audit_summary_main(int argc, char** argv);
int ops_ledger_append_main(int argc, char** argv);
int emergency_stop_main(int argc, char** argv);
int quantum_status_main(int argc, char** argv);

} // namespace qops::commands
