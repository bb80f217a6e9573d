// quantum-status: one look at the desk's guard rails.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::quantum_status_main(argc, argv);
}
