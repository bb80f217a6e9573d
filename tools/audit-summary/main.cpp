// audit-summary: the daily summary of the audit log, printed and optionally delivered.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::audit_summary_main(argc, argv);
}
