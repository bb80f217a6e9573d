// policy-refresh: generate or load the trading policy, validate it and store it

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::policy_refresh_main(argc, argv);
}
