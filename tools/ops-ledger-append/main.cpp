// ops-ledger-append: append a signed-off, hash-chained entry to the ops ledger.

#include "commands/commands.hpp"

int main(int argc, char** argv) {
    return qops::commands::ops_ledger_append_main(argc, argv);
}
