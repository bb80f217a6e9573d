// exit-owner-watch: alert once for every DENY_NOT_EXIT_OWNER the apply layer logs.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::exit_owner_watch_main(argc, argv);
}
