#include "ledger/legacy.hpp"

#include <regex>
#include <sstream>
#include <string_view>

namespace qops::ledger {
namespace {

std::string rtrim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return std::string(s);
}

} // namespace

YAML::Node read_legacy_block(const std::string& body) {
    static const std::regex k_top(R"(^([A-Za-z_][A-Za-z0-9_]*):(?:\s(.*))?$)");
    static const std::regex k_item(R"(^\s+-\s(.*?)(?:\s+#.*)?$)");
    static const std::regex k_sub(R"(^\s+([^:#\s][^:]*):\s?(.*)$)");
    YAML::Node map(YAML::NodeType::Map);
    std::istringstream in(body);
    std::string line, key;
    enum class Mode { none, block, nested } mode = Mode::none;
    std::string block;
    YAML::Node nested;
    auto flush = [&] {
        if (mode == Mode::block) map[key] = block;
        if (mode == Mode::nested) map[key] = nested;
        mode = Mode::none;
    };
    while (std::getline(in, line)) {
        if (rtrim(line) == "---") continue;
        std::smatch m;
        if (std::regex_match(line, m, k_top)) {
            flush();
            key = m[1].str();
            const std::string rest = rtrim(m[2].str());
            if (rest == "|" || rest == "|-") {
                mode = Mode::block;
                block.clear();
            } else if (rest.empty()) {
                mode = Mode::nested;
                nested = YAML::Node();
            } else {
                map[key] = rest;
            }
            continue;
        }
        if (mode == Mode::block) {
            block += (line.size() >= 2 ? line.substr(2) : std::string()) + "\n";
        } else if (mode == Mode::nested && std::regex_match(line, m, k_item)) {
            // Hand-kept blocks mix "- item" and "key: value" under one field: whichever
            // came first decides the node's kind, the other kind is kept as it reads.
            if (nested.IsMap())
                nested[m[1].str()] = YAML::Node();
            else
                nested.push_back(m[1].str());
        } else if (mode == Mode::nested && std::regex_match(line, m, k_sub)) {
            const std::string sub = rtrim(m[1].str());
            const std::string value = rtrim(m[2].str());
            if (nested.IsSequence())
                nested.push_back(std::string(sub).append(": ").append(value));
            else
                nested[sub] = value;
        }
    }
    flush();
    return map;
}

} // namespace qops::ledger
