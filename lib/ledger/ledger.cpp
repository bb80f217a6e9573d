#include "ledger/ledger.hpp"

#include "crypto/sha256.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

namespace qops::ledger {
namespace {

// s without trailing blanks; a view into s (called for every line of the file).
std::string_view rtrim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// "## 2026-01" (trailing blanks allowed) -> "2026-01". Called for every line: no regex.
std::optional<std::string> month_of_heading(std::string_view line) {
    if (line.size() < 10 || line.compare(0, 3, "## ") != 0) return std::nullopt;
    auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(line[i])) != 0; };
    if (!(digit(3) && digit(4) && digit(5) && digit(6) && line[7] == '-' && digit(8) && digit(9))) return std::nullopt;
    for (size_t i = 10; i < line.size(); ++i)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') return std::nullopt;
    return std::string(line.substr(3, 7));
}

// The value of a top-level "key: value" line in a block body (unquoted), or empty.
std::string scan_field(const std::string& body, const std::string& key) {
    const std::string needle = key + ": ";
    size_t pos = body.compare(0, needle.size(), needle) == 0 ? 0 : body.find("\n" + needle);
    if (pos == std::string::npos) return {};
    if (pos != 0 || body.compare(0, needle.size(), needle) != 0) ++pos;
    const size_t start = pos + needle.size();
    std::string v(rtrim(std::string_view(body).substr(start, body.find('\n', start) - start)));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
}

bool is_other_heading(std::string_view line) {
    return line.starts_with("## ") && !month_of_heading(line);
}

constexpr std::string_view k_head_prefix = "<!-- ops-ledger-head: ";

struct HeadLine {
    uint64_t seq = 0;
    std::string hash;
};

// "<!-- ops-ledger-head: seq=N entry_hash=<64 hex> -->" (trailing blanks allowed).
std::optional<HeadLine> parse_head_line(std::string_view line) {
    line = rtrim(line);
    if (!line.starts_with(k_head_prefix) || !line.ends_with(" -->")) return std::nullopt;
    line.remove_prefix(k_head_prefix.size());
    line.remove_suffix(4);
    if (!line.starts_with("seq=")) return std::nullopt;
    line.remove_prefix(4);
    HeadLine h;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), h.seq);
    if (ec != std::errc() || end == line.data()) return std::nullopt;
    line.remove_prefix(static_cast<size_t>(end - line.data()));
    if (!line.starts_with(" entry_hash=") || line.size() != 12 + 64) return std::nullopt;
    h.hash = std::string(line.substr(12));
    if (h.hash.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    return h;
}

// Calls on_line(offset, line) for each line of text (without its newline) until it
// returns false. No copies: a ledger has tens of thousands of lines.
template <typename OnLine> void each_line(std::string_view text, OnLine&& on_line) {
    for (size_t start = 0; start < text.size();) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        if (!on_line(start, text.substr(start, nl - start))) return;
        start = nl + 1;
    }
}

// text.find(needle, from) with glibc's memmem: string_view::find runs memchr for the
// needle's first character and memcmp at each hit, and the needles here start with '\n',
// which a ledger has ~20 of per entry.
size_t find_in(std::string_view text, std::string_view needle, size_t from = 0) {
    if (from > text.size()) return std::string_view::npos;
    const void* hit = ::memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
    return hit == nullptr ? std::string_view::npos : static_cast<size_t>(static_cast<const char*>(hit) - text.data());
}

// Calls on_line(offset, line) for each line that starts with prefix, until it returns false.
template <typename OnLine>
void each_line_starting_with(std::string_view text, std::string_view prefix, OnLine&& on_line) {
    const std::string needle = "\n" + std::string(prefix);
    const auto next_line = [&](size_t from) { // the start of the next matching line after from
        const size_t nl = find_in(text, needle, from);
        return nl == std::string_view::npos ? nl : nl + 1;
    };
    for (size_t start = text.starts_with(prefix) ? 0 : next_line(0); start != std::string_view::npos;) {
        const size_t end = std::min(text.find('\n', start), text.size());
        if (!on_line(start, text.substr(start, end - start))) return;
        start = next_line(end);
    }
}

// The offset of the line before the one starting at offset (which is > 0).
size_t previous_line(std::string_view text, size_t offset) {
    const size_t nl = offset >= 2 ? text.rfind('\n', offset - 2) : std::string_view::npos;
    return nl == std::string_view::npos ? 0 : nl + 1;
}

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
    for (char ch : s)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const std::set<std::string> k_keywords{"yes", "no", "true", "false", "on",   "off", "null", "~",
                                                  "y",   "n",  ".inf", "-.inf", ".nan", "<<",  "="};
    if (k_keywords.count(lower)) return false;
    // Anything YAML 1.1 or 1.2 could read as a number: a sign, a digit or '.', then digits,
    // hex letters (and so exponents), base prefixes, '.', '_', ':' (sexagesimal) and signs.
    std::string_view digits(s);
    if (digits.front() == '-' || digits.front() == '+') digits.remove_prefix(1);
    const auto numeric = [](char ch) {
        return std::isxdigit(static_cast<unsigned char>(ch)) ||
               std::string_view("xXoObB._:+-").find(ch) != std::string_view::npos;
    };
    if (!digits.empty() && (std::isdigit(static_cast<unsigned char>(digits.front())) || digits.front() == '.') &&
        std::all_of(digits.begin(), digits.end(), numeric))
        return false;
    return true;
}

std::string quoted(const std::string& s) {
    YAML::Emitter e;
    e << YAML::DoubleQuoted << s;
    return e.c_str();
}

std::string scalar(const std::string& s, bool raw) {
    return raw || safe_plain(s) ? s : quoted(s);
}

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
            const std::string rest(rtrim(m[2].str()));
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
            const std::string sub(rtrim(m[1].str()));
            const std::string value(rtrim(m[2].str()));
            if (nested.IsSequence())
                nested.push_back(sub + ": " + value);
            else
                nested[sub] = value;
        }
    }
    flush();
    return map;
}

} // namespace

Result<Ledger> parse(std::string_view text, bool load_yaml) {
    Ledger l;
    // Views into text, one per line: a 10,000-entry ledger has ~200,000 lines.
    std::vector<std::string_view> lines;
    each_line(text, [&](size_t, std::string_view line) {
        lines.push_back(line);
        return true;
    });
    std::string month;
    bool trailer = false;
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string_view ln = lines[i];
        if (ln.starts_with(k_head_prefix)) {
            if (auto h = parse_head_line(ln)) {
                l.head_seq = h->seq;
                l.head_hash = std::move(h->hash);
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
        for (; j < lines.size() && rtrim(lines[j]) != "```"; ++j)
            e.body.append(lines[j]).push_back('\n');
        if (j == lines.size())
            return integrity_error(fmt::format("ledger line {}: ```yaml block is never closed", i + 1));
        if (load_yaml) {
            try {
                e.node = YAML::Load(e.body);
            } catch (const YAML::Exception& ex) {
                // Chained entries are written as YAML by this tool; only hand-kept ones may be loose.
                if (e.body.find("\nentry_hash: ") != std::string::npos)
                    return integrity_error(fmt::format("ledger line {}: not YAML: {}",
                                                       i + 2 + static_cast<size_t>(std::max(ex.mark.line, 0)), ex.msg));
                try {
                    e.node = lenient_load(e.body);
                } catch (const YAML::Exception& lex) {
                    return integrity_error(fmt::format("ledger line {}: unreadable entry: {}", i + 1, lex.msg));
                }
                e.lenient = true;
            }
            if (!e.node.IsMap()) return integrity_error(fmt::format("ledger line {}: entry is not a mapping", i + 1));
        }
        // The fields the chain and the id allocation need are read from the text itself.
        e.operation_id = scan_field(e.body, "operation_id");
        e.prev_hash = scan_field(e.body, "prev_hash");
        if (const std::string seq = scan_field(e.body, "chain_seq"); !seq.empty()) {
            try {
                e.seq = std::stoull(seq);
            } catch (...) {
                return integrity_error(fmt::format("ledger line {}: chain_seq is not a number", i + 1));
            }
        }
        l.entries.push_back(std::move(e));
        i = j;
    }
    return l;
}

std::string entry_hash_of(const std::string& body_without_hash_line) {
    return crypto::sha256_hex(body_without_hash_line);
}

VerifyReport verify(const Ledger& l) {
    VerifyReport r;
    r.entries = l.entries.size();
    std::map<uint64_t, const EntryBlock*> by_seq;
    std::map<uint64_t, std::string> hash_of;
    const EntryBlock* previous_in_file = nullptr;
    for (const auto& e : l.entries) {
        const std::string name =
            fmt::format("{} (line {})", e.operation_id.empty() ? "entry" : e.operation_id, e.first_line);
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
        std::string stored(rtrim(std::string_view(b).substr(last + 13, b.size() - last - 14)));
        if (stored.size() == 66 && stored.front() == '"' && stored.back() == '"') stored = stored.substr(1, 64);
        const std::string actual = crypto::sha256_hex(std::string_view(b).substr(0, last + 1));
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
        if (!l.head_seq)
            r.problems.push_back("the head comment (<!-- ops-ledger-head ... -->) is missing");
        else if (*l.head_seq != top_seq || l.head_hash != hash_of[top_seq])
            r.problems.push_back(fmt::format(
                "the head names seq {} but the newest entry is seq {} (newest entries removed)", *l.head_seq, top_seq));
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
        case Field::Kind::scalar:
            body += fmt::format("{}: {}\n", f.key, scalar(f.scalar, false));
            break;
        case Field::Kind::list:
            body += f.key + ":\n";
            for (const auto& v : f.list)
                body += fmt::format("  - {}\n", scalar(v, false));
            break;
        case Field::Kind::map:
            body += f.key + ":\n";
            for (const auto& [k, v] : f.map)
                body += fmt::format("  {}: {}\n", scalar(k, false), scalar(v, false));
            break;
        case Field::Kind::block:
            if (literal_ok(f.scalar)) {
                body += f.key + ": |\n";
                std::istringstream in(f.scalar);
                std::string ln;
                while (std::getline(in, ln))
                    body.append("  ").append(rtrim(ln)).append("\n");
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

namespace {

// The values of every "operation_id:" line of the text (each entry has one; the Template's
// placeholder never matches a real id).
template <typename OnId> void for_each_operation_id(std::string_view text, OnId&& on_id) {
    static constexpr std::string_view k_field = "operation_id: ";
    each_line_starting_with(text, k_field, [&](size_t, std::string_view line) {
        std::string_view v = rtrim(line.substr(k_field.size()));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        on_id(v);
        return true;
    });
}

// The chain head the head comment names, when the entry it names is present, intact and
// the newest; nothing otherwise (the caller then reads every entry).
std::optional<ChainHead> head_from_comment(std::string_view text) {
    const size_t at = text.find(k_head_prefix);
    if (at == std::string_view::npos || (at > 0 && text[at - 1] != '\n')) return std::nullopt;
    const auto head = parse_head_line(text.substr(at, std::min(text.find('\n', at), text.size()) - at));
    if (!head || head->seq == 0) return std::nullopt;
    const std::string hash_line = "\nentry_hash: \"" + head->hash + "\"\n";
    const size_t line = find_in(text, hash_line);
    const size_t fence = line == std::string_view::npos ? line : text.rfind("```yaml\n", line);
    if (fence == std::string_view::npos) return std::nullopt;
    const std::string body(text.substr(fence + 8, line + 1 - (fence + 8)));
    if (crypto::sha256_hex(body) != head->hash || scan_field(body, "chain_seq") != std::to_string(head->seq))
        return std::nullopt;
    if (find_in(text, fmt::format("\nchain_seq: {}\n", head->seq + 1)) != std::string_view::npos) return std::nullopt;
    return ChainHead{head->seq, head->hash};
}

} // namespace

std::string next_operation_id(std::string_view text, const std::string& date) {
    const std::string prefix = "OPS-" + date + "-";
    int max = 0;
    for_each_operation_id(text, [&](std::string_view id) {
        if (!id.starts_with(prefix)) return;
        int n = 0;
        const auto digits = id.substr(prefix.size());
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec == std::errc() && end == digits.data() + digits.size()) max = std::max(max, n);
    });
    return fmt::format("{}{:03}", prefix, max + 1);
}

bool has_operation(std::string_view text, std::string_view id) {
    bool found = false;
    for_each_operation_id(text, [&](std::string_view v) { found = found || v == id; });
    return found;
}

Result<ChainHead> chain_head(std::string_view text) {
    if (auto head = head_from_comment(text)) return *head;
    auto l = parse(text, false);
    if (!l) return l.error();
    ChainHead head;
    for (const auto& e : l->entries)
        if (e.seq && *e.seq > head.seq) {
            head.seq = *e.seq;
            const auto pos = e.body.rfind("entry_hash: \"");
            head.hash = e.body.substr(pos + 13, 64);
        }
    return head;
}

size_t count_entries(std::string_view text) {
    // The month sections run from the first month heading to the next other heading.
    size_t begin = std::string_view::npos, end = text.size();
    each_line_starting_with(text, "## ", [&](size_t offset, std::string_view line) {
        if (month_of_heading(line)) {
            if (begin == std::string_view::npos) begin = offset;
            return true;
        }
        if (begin == std::string_view::npos) return true;
        end = offset; // the trailer
        return false;
    });
    if (begin == std::string_view::npos) return 0;
    size_t n = 0;
    each_line_starting_with(text.substr(begin, end - begin), "```yaml", [&](size_t, std::string_view line) {
        if (rtrim(line) == "```yaml") ++n;
        return true;
    });
    return n;
}

Splice splice_entry(std::string_view text, const std::string& month, const std::string& block_body, uint64_t seq,
                    const std::string& entry_hash) {
    Splice sp;
    sp.text = text;
    std::string block = "```yaml\n" + block_body;
    if (!block.ends_with('\n')) block.push_back('\n');
    block += "```\n";
    sp.head = fmt::format("{}seq={} entry_hash={} -->\n", k_head_prefix, seq, entry_hash);

    // Where the month section is, or where it belongs (months newest first, before the
    // trailer); offsets of line starts.
    std::string& insertion = sp.insertion;
    size_t at = text.size();
    bool placed = false;
    each_line(text, [&](size_t offset, std::string_view line) {
        const size_t next = std::min(offset + line.size() + 1, text.size());
        if (auto m = month_of_heading(line)) {
            if (*m == month) {
                insertion = "\n" + block;
                at = next;
                placed = true;
                return false;
            }
            if (*m < month) {
                at = offset;
                return false;
            }
        } else if (offset > 0 && is_other_heading(line)) {
            // Before the trailer, keeping one blank line (or rule) before its heading.
            at = offset;
            size_t before = offset;
            for (size_t prev = offset; prev > 0;) {
                prev = previous_line(text, prev);
                const auto prev_line = rtrim(text.substr(prev, before - prev - 1));
                if (!prev_line.empty() && prev_line != "---") break;
                at = prev;
                before = prev;
            }
            if (at < offset) at = std::min(text.find('\n', at) + 1, offset);
            return false;
        }
        return true;
    });
    if (!placed) {
        std::string_view last_line = text.empty() ? text : text.substr(previous_line(text, text.size()));
        if (last_line.ends_with('\n')) last_line.remove_suffix(1);
        if (at == text.size() && !rtrim(last_line).empty()) insertion = "\n";
        insertion += "## " + month + "\n\n" + block + "\n";
    }
    // The head comment: replaced where it is, or added under the title.
    size_t head_at = !text.starts_with("# ") ? 0 : std::min(text.find('\n'), text.size() - 1) + 1;
    size_t head_end = head_at; // past the old head line, when there is one
    each_line_starting_with(text, k_head_prefix, [&](size_t offset, std::string_view line) {
        head_at = offset;
        head_end = std::min(offset + line.size() + 1, text.size());
        return false;
    });

    size_t copied = 0;        // text[0, copied) is placed
    std::optional<char> last; // the last character placed
    auto place = [&](Splice::Source source, std::string_view from, size_t begin, size_t end) {
        if (end <= begin) return;
        sp.pieces.push_back({source, begin, end});
        last = from[end - 1];
    };
    auto copy_to = [&](size_t offset) {
        place(Splice::Source::text, text, copied, offset);
        copied = offset;
        if (last && *last != '\n') place(Splice::Source::newline, "\n", 0, 1); // a last line without its newline
    };
    auto put_head = [&] {
        copy_to(head_at);
        place(Splice::Source::head, sp.head, 0, sp.head.size());
        copied = head_end;
    };
    // In file order; at the same place a new head goes first, a replaced one after.
    const bool head_first = head_at < at || (head_at == at && head_end == head_at);
    if (head_first) put_head();
    copy_to(at);
    place(Splice::Source::insertion, insertion, 0, insertion.size());
    if (!head_first) put_head();
    copy_to(text.size());
    return sp;
}

std::vector<std::string_view> Splice::views() const {
    std::vector<std::string_view> out;
    out.reserve(pieces.size());
    for (const auto& p : pieces) {
        const std::string_view from = p.source == Source::text        ? text
                                      : p.source == Source::head      ? std::string_view(head)
                                      : p.source == Source::insertion ? std::string_view(insertion)
                                                                      : std::string_view("\n");
        out.push_back(from.substr(p.begin, p.end - p.begin));
    }
    return out;
}

size_t Splice::size() const {
    size_t n = 0;
    for (const auto& p : pieces)
        n += p.end - p.begin;
    return n;
}

std::string Splice::str() const {
    std::string out;
    out.reserve(size());
    for (const auto v : views())
        out += v;
    return out;
}

std::string insert_entry(std::string_view text, const std::string& month, const std::string& block_body, uint64_t seq,
                         const std::string& entry_hash) {
    return splice_entry(text, month, block_body, seq, entry_hash).str();
}

} // namespace qops::ledger
