// exit-owner-watch's checkpoint file: anything in it is either read or refused as not
// ours (integrity), never a crash; what it reads saves and loads back equal.
#include "fuzz.hpp"
#include "watch/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    fuzz::TempFile file(fuzz::text(data, size));
    auto cp = watch::load_checkpoint(file.path(), "quantum-apply-layer.service");
    if (!cp || !*cp) return 0;
    fuzz::require(watch::save_checkpoint(file.path(), **cp).ok(), "a loaded checkpoint cannot be saved");
    auto again = watch::load_checkpoint(file.path(), "quantum-apply-layer.service");
    fuzz::require(again && *again && **again == **cp, "a saved checkpoint does not load back equal");
    return 0;
}
