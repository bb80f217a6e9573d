#include "ledger/ledger.hpp"

#include "util/crypto.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace qops::ledger {
namespace {

std::string rtrim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
    return s;
}

// "## 2026-01" (trailing blanks allowed) -> "2026-01". Called for every line: no regex.
std::optional<std::string> month_of_heading(const std::string& line) {
    if (line.size() < 10 || line.compare(0, 3, "## ") != 0) return std::nullopt;
    auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(line[i])) != 0; };
    if (!(digit(3) && digit(4) && digit(5) && digit(6) && line[7] == '-' && digit(8) && digit(9))) return std::nullopt;
    for (size_t i = 10; i < line.size(); ++i)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') return std::nullopt;
    return line.substr(3, 7);
}

// The value of a top-level "key: value" line in a block body (unquoted), or empty.
std::string scan_field(const std::string& body, const std::string& key) {
    const std::string needle = key + ": ";
    size_t pos = body.compare(0, needle.size(), needle) == 0 ? 0 : body.find("\n" + needle);
    if (pos == std::string::npos) return {};
    if (pos != 0 || body.compare(0, needle.size(), needle) != 0) ++pos;
    const size_t start = pos + needle.size();
    std::string v = rtrim(body.substr(start, body.find('\n', start) - start));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
}

bool is_other_heading(const std::string& line) { return line.rfind("## ", 0) == 0 && !month_of_heading(line); }

constexpr const char* k_head_prefix = "<!-- ops-ledger-head: ";

// A string YAML would read back as the same string without quotes.
bool safe_plain(const std::string& s) {
    if (s.empty() || s.size() > 200) return false;
    if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
    if (std::string("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) return false;
    for (char ch : s)
        if (const auto c = static_cast<unsigned char>(ch); c < 0x20 || c == 0x7f) return false;
    if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.find('\t') != std::string::npos)
        return false;
    std::string lower;
    for (char ch : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const std::set<std::string> k_keywords{"yes", "no", "true", "false", "on", "off", "null", "~", "y", "n",
                                                  ".inf", "-.inf", ".nan", "<<", "="};
    if (k_keywords.count(lower)) return false;
    static const std::regex k_numberish(R"(^[-+]?[0-9.][0-9a-fA-FxXoObB._:+-]*([eE][-+]?[0-9]+)?$)");
    if (std::regex_match(s, k_numberish)) return false;
    return true;
}

std::string quoted(const std::string& s) {
    YAML::Emitter e;
    e << YAML::DoubleQuoted << s;
    return e.c_str();
}

std::string scalar(const std::string& s, bool raw) { return raw || safe_plain(s) ? s : quoted(s); }

bool literal_ok(const std::string& s) {
    if (s.empty() || s.front() == ' ' || s.front() == '\n') return false;
    for (char ch : s)
        if (const auto c = static_cast<unsigned char>(ch); (c < 0x20 && c != '\n') || c == 0x7f) return false;
    return true;
}

// The hand-kept entries are not always YAML (a plain value holding ": ", say). Read them
// the way a person does: "key: rest of the line", "key: |" blocks, "  - item" lists and
// "  key: value" maps under a bare "key:", with "  # comment" after list items dropped.
YAML::Node lenient_load(const std::string& body) {
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
            nested.push_back(m[1].str());
        } else if (mode == Mode::nested && std::regex_match(line, m, k_sub)) {
            nested[rtrim(m[1].str())] = rtrim(m[2].str());
        }
    }
    flush();
    return map;
}

} // namespace

bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        size_t n = b < 0x80 ? 1 : (b >= 0xC2 && b <= 0xDF) ? 2 : (b >= 0xE0 && b <= 0xEF) ? 3 : (b >= 0xF0 && b <= 0xF4) ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

Result<Ledger> parse(const std::string& text, bool load_yaml) {
    Ledger l;
    for (size_t start = 0; start < text.size();) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        l.lines.emplace_back(text, start, nl - start);
        start = nl + 1;
    }
    std::string month;
    bool trailer = false;
    for (size_t i = 0; i < l.lines.size(); ++i) {
        const std::string& ln = l.lines[i];
        if (ln.rfind(k_head_prefix, 0) == 0) {
            static const std::regex k_head(R"(^<!-- ops-ledger-head: seq=(\d+) entry_hash=([0-9a-f]{64}) -->\s*$)");
            std::smatch m;
            if (std::regex_match(ln, m, k_head)) {
                l.head_seq = std::stoull(m[1].str());
                l.head_hash = m[2].str();
            }
            continue;
        }
        if (auto m = month_of_heading(ln)) {
            if (!trailer) month = *m;
            continue;
        }
        if (is_other_heading(ln) && !month.empty()) trailer = true;
        if (trailer || month.empty() || rtrim(ln) != "```yaml") continue;
        EntryBlock e;
        e.month = month;
        e.first_line = i + 1;
        size_t j = i + 1;
        for (; j < l.lines.size() && rtrim(l.lines[j]) != "```"; ++j) e.body += l.lines[j] + "\n";
        if (j == l.lines.size())
            return Error{ExitCode::usage, fmt::format("ledger line {}: ```yaml block is never closed", i + 1)};
        if (load_yaml) {
            try {
                e.node = YAML::Load(e.body);
            } catch (const YAML::Exception& ex) {
                // Chained entries are written as YAML by this tool; only hand-kept ones may be loose.
                if (e.body.find("\nentry_hash: ") != std::string::npos)
                    return Error{ExitCode::usage, fmt::format("ledger line {}: not YAML: {}",
                                                              i + 2 + static_cast<size_t>(std::max(ex.mark.line, 0)), ex.msg)};
                e.node = lenient_load(e.body);
                e.lenient = true;
            }
            if (!e.node.IsMap()) return Error{ExitCode::usage, fmt::format("ledger line {}: entry is not a mapping", i + 1)};
        }
        // The fields the chain and the id allocation need are read from the text itself.
        e.operation_id = scan_field(e.body, "operation_id");
        e.prev_hash = scan_field(e.body, "prev_hash");
        if (const std::string seq = scan_field(e.body, "chain_seq"); !seq.empty()) {
            try {
                e.seq = std::stoull(seq);
            } catch (...) {
                return Error{ExitCode::usage, fmt::format("ledger line {}: chain_seq is not a number", i + 1)};
            }
        }
        l.entries.push_back(std::move(e));
        i = j;
    }
    return l;
}

std::string entry_hash_of(const std::string& body_without_hash_line) { return sha256_hex(body_without_hash_line); }

VerifyReport verify(const Ledger& l) {
    VerifyReport r;
    r.entries = l.entries.size();
    std::map<uint64_t, const EntryBlock*> by_seq;
    std::map<uint64_t, std::string> hash_of;
    const EntryBlock* previous_in_file = nullptr;
    for (const auto& e : l.entries) {
        const std::string name = fmt::format("{} (line {})", e.operation_id.empty() ? "entry" : e.operation_id, e.first_line);
        if (!e.seq) {
            ++r.legacy;
            if (!e.prev_hash.empty() || e.body.find("\nentry_hash: ") != std::string::npos)
                r.problems.push_back(name + ": has chain fields but no chain_seq (edited)");
            continue;
        }
        ++r.chained;
        // entry_hash is the last line and covers everything above it.
        const std::string& b = e.body;
        const auto last = b.rfind("\nentry_hash: ");
        if (last == std::string::npos || b.find('\n', last + 1) != b.size() - 1) {
            r.problems.push_back(name + ": entry_hash is not its last line (edited)");
            continue;
        }
        std::string stored = rtrim(b.substr(last + 13, b.size() - last - 14));
        if (stored.size() == 66 && stored.front() == '"' && stored.back() == '"') stored = stored.substr(1, 64);
        const std::string actual = entry_hash_of(b.substr(0, last + 1));
        if (stored != actual) r.problems.push_back(name + ": content does not match its entry_hash (edited)");
        if (by_seq.count(*e.seq)) r.problems.push_back(fmt::format("{}: chain_seq {} appears twice", name, *e.seq));
        by_seq[*e.seq] = &e;
        hash_of[*e.seq] = stored;
        if (previous_in_file && previous_in_file->seq && *previous_in_file->seq <= *e.seq)
            r.problems.push_back(fmt::format("{} and {}: out of append order (reordered)",
                                             previous_in_file->operation_id, e.operation_id));
        previous_in_file = &e;
        if (e.operation_id.size() >= 14 && e.operation_id.substr(4, 7) != e.month)
            r.problems.push_back(fmt::format("{}: in the {} section", name, e.month));
    }
    uint64_t expected = 1;
    for (const auto& [seq, e] : by_seq) {
        if (seq != expected)
            r.problems.push_back(fmt::format("chain_seq {}..{} missing (entries removed)", expected, seq - 1));
        const std::string prev = seq == 1 ? std::string(k_zero_hash) : (hash_of.count(seq - 1) ? hash_of[seq - 1] : "");
        if (e->prev_hash.empty() || (!prev.empty() && e->prev_hash != prev))
            r.problems.push_back(fmt::format("{}: prev_hash does not name the previous entry", e->operation_id));
        expected = seq + 1;
    }
    if (!by_seq.empty()) {
        const auto [top_seq, top] = *by_seq.rbegin();
        if (!l.head_seq) r.problems.push_back("the head comment (<!-- ops-ledger-head ... -->) is missing");
        else if (*l.head_seq != top_seq || l.head_hash != hash_of[top_seq])
            r.problems.push_back(fmt::format("the head names seq {} but the newest entry is seq {} (newest entries removed)",
                                             *l.head_seq, top_seq));
        (void)top;
    } else if (l.head_seq && *l.head_seq > 0) {
        r.problems.push_back("the head names chained entries but there are none (entries removed)");
    }
    return r;
}

std::string render_entry(const std::vector<Field>& fields, uint64_t seq, const std::string& prev_hash) {
    std::string body = "---\n";
    for (const auto& f : fields) {
        switch (f.kind) {
        case Field::Kind::scalar: body += fmt::format("{}: {}\n", f.key, scalar(f.scalar, false)); break;
        case Field::Kind::list:
            body += f.key + ":\n";
            for (const auto& v : f.list) body += fmt::format("  - {}\n", scalar(v, false));
            break;
        case Field::Kind::map:
            body += f.key + ":\n";
            for (const auto& [k, v] : f.map) body += fmt::format("  {}: {}\n", scalar(k, false), scalar(v, false));
            break;
        case Field::Kind::block:
            if (literal_ok(f.scalar)) {
                body += f.key + ": |\n";
                std::istringstream in(f.scalar);
                std::string ln;
                while (std::getline(in, ln)) body += "  " + rtrim(ln) + "\n";
            } else {
                body += fmt::format("{}: {}\n", f.key, quoted(f.scalar));
            }
            break;
        }
    }
    // Hashes are quoted: a YAML reader would take 64 zeros (or 1e5…) for a number.
    body += fmt::format("chain_seq: {}\nprev_hash: \"{}\"\n", seq, prev_hash);
    return body + "entry_hash: \"" + entry_hash_of(body) + "\"\n";
}

std::string next_operation_id(const Ledger& l, const std::string& date) {
    const std::string prefix = "OPS-" + date + "-";
    int max = 0;
    for (const auto& e : l.entries)
        if (e.operation_id.rfind(prefix, 0) == 0) {
            try {
                max = std::max(max, std::stoi(e.operation_id.substr(prefix.size())));
            } catch (...) {
            }
        }
    return fmt::format("{}{:03}", prefix, max + 1);
}

std::pair<uint64_t, std::string> chain_head(const Ledger& l) {
    uint64_t seq = 0;
    std::string hash = k_zero_hash;
    for (const auto& e : l.entries)
        if (e.seq && *e.seq > seq) {
            seq = *e.seq;
            const auto pos = e.body.rfind("entry_hash: \"");
            hash = e.body.substr(pos + 13, 64);
        }
    return {seq, hash};
}

std::string insert_entry(const Ledger& l, const std::string& month, const std::string& block_body, uint64_t seq,
                         const std::string& entry_hash) {
    std::vector<std::string> block{"```yaml"};
    std::istringstream in(block_body);
    std::string ln;
    while (std::getline(in, ln)) block.push_back(ln);
    block.push_back("```");

    std::vector<std::string> out = l.lines;
    const std::string head = fmt::format("{}seq={} entry_hash={} -->", k_head_prefix, seq, entry_hash);
    // Where the month section is, or where it belongs (months newest first, before the trailer).
    size_t heading = out.size(), insert_at = out.size();
    bool found = false;
    for (size_t i = 0; i < out.size(); ++i) {
        if (auto m = month_of_heading(out[i])) {
            if (*m == month) {
                heading = i;
                found = true;
                break;
            }
            if (*m < month) {
                insert_at = i;
                break;
            }
        } else if (is_other_heading(out[i]) && i > 0) {
            insert_at = i;
            while (insert_at > 0 && (rtrim(out[insert_at - 1]).empty() || rtrim(out[insert_at - 1]) == "---")) --insert_at;
            if (insert_at < i) ++insert_at; // keep one blank line before the trailer's rule
            break;
        }
    }
    if (found) {
        std::vector<std::string> ins{""};
        ins.insert(ins.end(), block.begin(), block.end());
        out.insert(out.begin() + static_cast<long>(heading) + 1, ins.begin(), ins.end());
    } else {
        std::vector<std::string> ins{"## " + month, ""};
        ins.insert(ins.end(), block.begin(), block.end());
        ins.push_back("");
        if (insert_at == out.size() && !out.empty() && !rtrim(out.back()).empty()) ins.insert(ins.begin(), "");
        out.insert(out.begin() + static_cast<long>(insert_at), ins.begin(), ins.end());
    }
    bool head_done = false;
    for (auto& line : out)
        if (line.rfind(k_head_prefix, 0) == 0) {
            line = head;
            head_done = true;
        }
    if (!head_done) {
        // Right under the title, invisible when the markdown is rendered.
        size_t pos = (!out.empty() && out[0].rfind("# ", 0) == 0) ? 1 : 0;
        out.insert(out.begin() + static_cast<long>(pos), head);
    }
    std::string text;
    for (const auto& line : out) text += line + "\n";
    return text;
}

} // namespace qops::ledger
