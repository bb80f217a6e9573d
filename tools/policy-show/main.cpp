// policy-show: the fail-closed reader of the current trading policy.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::policy_show_main(argc, argv);
}
