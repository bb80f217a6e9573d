// What reading a ledger's entries with yaml-cpp costs, in-process (no start-up): every
// block with YAML::Load, and only each block's chain lines (the last three) with
// YAML::Load. Justifies reading the chain lines from the text in lib/ledger/ledger.cpp.
// Usage: yaml_cpp_parse LEDGER (built and run by bench/ledger/run.sh).
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    std::ifstream in(argv[1]);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::vector<std::string> blocks, chain_lines;
    for (size_t p = text.find("```yaml\n"); p != std::string::npos; p = text.find("```yaml\n", p + 1)) {
        const size_t end = text.find("\n```\n", p + 8);
        const std::string body = text.substr(p + 8, end + 1 - (p + 8));
        const size_t chain = body.rfind("chain_seq: ");
        if (chain == std::string::npos) continue; // the Template
        blocks.push_back(body);
        chain_lines.push_back(body.substr(chain));
    }
    const auto time_ms = [](const std::vector<std::string>& docs) {
        const auto t0 = std::chrono::steady_clock::now();
        uint64_t sum = 0;
        for (const auto& d : docs)
            sum += YAML::Load(d)["chain_seq"].as<uint64_t>();
        const auto t1 = std::chrono::steady_clock::now();
        return sum > 0 ? std::chrono::duration<double, std::milli>(t1 - t0).count() : -1.0;
    };
    const double all = time_ms(blocks), tail = time_ms(chain_lines);
    std::printf("%zu %.1f %.1f\n", blocks.size(), all, tail);
    return 0;
}
