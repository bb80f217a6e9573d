#include "ledger/entry.hpp"

#include "crypto/sha256.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace qops::ledger {
namespace {

// True when s can be written plain: a letter first (so no number, date, indicator or
// "~"), then letters, digits, blanks and punctuation that no YAML version gives meaning
// to inside a plain scalar, not ending in a blank, and not a YAML 1.1 boolean or null.
// Everything else is double-quoted: a narrow rule that is easy to check beats a wide one.
bool plain_ok(const std::string& s) {
    if (s.empty() || std::isalpha(static_cast<unsigned char>(s.front())) == 0 || s.back() == ' ') return false;
    const bool chars_ok = std::all_of(s.begin(), s.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) != 0 ||
               std::string_view(" -_./,()+=@").find(ch) != std::string_view::npos;
    });
    if (!chars_ok) return false;
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); });
    static constexpr std::array<std::string_view, 9> k_keywords{"y",   "n",    "yes",   "no",  "on",
                                                                "off", "true", "false", "null"};
    return std::find(k_keywords.begin(), k_keywords.end(), lower) == k_keywords.end();
}

// True when s reads back exactly from a literal block ("key: |"): one line or more, each
// ending in a newline, the first not indented (which would be taken for the block's
// indentation), no blank last line (clipped), no control character but the newlines.
bool literal_ok(const std::string& s) {
    if (s.empty() || s.front() == ' ' || s.front() == '\n' || !s.ends_with('\n') || s.ends_with("\n\n")) return false;
    return std::none_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && c != '\n') || c == 0x7f;
    });
}

// A string scalar: plain when plain_ok, else double-quoted. yaml-cpp escapes C0 and C1
// controls in double quotes but writes DEL as it is, which YAML forbids: a value holding
// one is written with every non-ASCII character escaped.
void emit_string(YAML::Emitter& e, const std::string& s) {
    if (plain_ok(s)) {
        e << s;
        return;
    }
    if (s.find('\x7f') != std::string::npos) e << YAML::EscapeNonAscii;
    e << YAML::DoubleQuoted << s;
}

// One "key: value" line of the chain fields: their form is fixed (ledger.cpp reads it).
std::string chain_line(const std::string& key, const std::string& hash) {
    YAML::Emitter e;
    e << YAML::BeginMap << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << hash << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

} // namespace

std::string render_entry(const std::vector<Field>& fields, uint64_t seq, const std::string& prev_hash) {
    YAML::Emitter e;
    e << YAML::BeginMap;
    for (const auto& f : fields) {
        e << YAML::Key << f.key << YAML::Value;
        switch (f.kind) {
        case Field::Kind::scalar:
            emit_string(e, f.scalar);
            break;
        case Field::Kind::list:
            e << YAML::BeginSeq;
            for (const auto& v : f.list)
                emit_string(e, v);
            e << YAML::EndSeq;
            break;
        case Field::Kind::map:
            e << YAML::BeginMap;
            for (const auto& [k, v] : f.map) {
                e << YAML::Key;
                emit_string(e, k);
                e << YAML::Value;
                emit_string(e, v);
            }
            e << YAML::EndMap;
            break;
        case Field::Kind::block:
            if (literal_ok(f.scalar))
                e << YAML::Literal << f.scalar;
            else
                emit_string(e, f.scalar);
            break;
        }
    }
    e << YAML::Key << "chain_seq" << YAML::Value << seq;
    e << YAML::EndMap;
    std::string body = "---\n" + std::string(e.c_str()) + "\n" + chain_line("prev_hash", prev_hash);
    return body + chain_line("entry_hash", entry_hash_of(body));
}

std::string entry_hash_of(const std::string& body_without_hash_line) {
    return crypto::sha256_hex(body_without_hash_line);
}

bool reads_back(const std::string& body, const std::vector<Field>& fields) {
    try {
        const YAML::Node node = YAML::Load(body);
        if (!node.IsMap()) return false;
        for (const auto& f : fields) {
            const YAML::Node v = node[f.key];
            switch (f.kind) {
            case Field::Kind::scalar:
            case Field::Kind::block:
                if (!v.IsScalar() || v.as<std::string>() != f.scalar) return false;
                break;
            case Field::Kind::list:
                if (!v.IsSequence() || v.size() != f.list.size()) return false;
                for (size_t i = 0; i < f.list.size(); ++i)
                    if (v[i].as<std::string>() != f.list[i]) return false;
                break;
            case Field::Kind::map:
                if (!v.IsMap() || v.size() != f.map.size()) return false;
                for (const auto& [k, value] : f.map)
                    if (!v[k] || v[k].as<std::string>() != value) return false;
                break;
            }
        }
        return true;
    } catch (const YAML::Exception&) {
        return false;
    }
}

} // namespace qops::ledger
