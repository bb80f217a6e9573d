// audit-log: append to, count and verify the tamper-evident audit log.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::audit_log_main(argc, argv);
}
