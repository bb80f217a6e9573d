// Runs a fuzz target over files and directories of inputs, without libFuzzer: how ctest
// replays the corpora in the sanitizer tree (fuzz/CMakeLists.txt).
#include "base/file.hpp"
#include "fuzz.hpp"

#include <filesystem>
#include <iostream>
#include <vector>

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto& e : std::filesystem::directory_iterator(arg))
                if (e.is_regular_file()) inputs.push_back(e.path());
        } else {
            inputs.push_back(arg);
        }
    }
    if (inputs.empty()) {
        std::cerr << "usage: " << argv[0] << " FILE|DIR...\n";
        return 2;
    }
    for (const auto& p : inputs) {
        auto data = qops::read_file(p.string(), 64u << 20);
        if (!data) {
            std::cerr << data.error().message << "\n";
            return 1;
        }
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data->data()), data->size());
    }
    std::cout << "replayed " << inputs.size() << " inputs\n";
    return 0;
}
