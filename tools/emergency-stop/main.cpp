// emergency-stop: the OS-level kill switch for the trading units.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::emergency_stop_main(argc, argv);
}
