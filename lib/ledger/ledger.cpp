#include "ledger/ledger.hpp"

#include "base/env.hpp"
#include "base/host.hpp"

#include "crypto/sha256.hpp"
#include "ledger/legacy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <map>

namespace qops::ledger {
namespace {

std::string_view rtrim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

struct Line {
    size_t offset;         // of its first character in the text
    size_t number;         // 1-based
    std::string_view text; // without the newline
    size_t end() const { return offset + text.size() + 1; }
};

// Reads a text line by line without storing the lines: a ledger has ~20 per entry, and
// a vector of them is the largest allocation of an append.
class LineReader {
public:
    explicit LineReader(std::string_view text) : m_text(text) {}
    std::optional<Line> next() {
        if (m_offset >= m_text.size()) return std::nullopt;
        const size_t nl = std::min(m_text.find('\n', m_offset), m_text.size());
        Line line{m_offset, ++m_number, m_text.substr(m_offset, nl - m_offset)};
        m_offset = nl + 1;
        return line;
    }

private:
    std::string_view m_text;
    size_t m_offset = 0, m_number = 0;
};

// "## 2026-01" (trailing blanks allowed) -> "2026-01".
std::optional<std::string> month_of_heading(std::string_view line) {
    line = rtrim(line);
    if (line.size() != 10 || !line.starts_with("## ") || line[7] != '-') return std::nullopt;
    for (const size_t i : {3u, 4u, 5u, 6u, 8u, 9u})
        if (std::isdigit(static_cast<unsigned char>(line[i])) == 0) return std::nullopt;
    return std::string(line.substr(3));
}

bool is_other_heading(std::string_view line) {
    return line.starts_with("## ") && !month_of_heading(line);
}

bool opens_fence(std::string_view line) {
    return rtrim(line) == "```yaml";
}

bool closes_fence(std::string_view line) {
    return rtrim(line) == "```";
}

// Reads past the ```yaml fence just read; false when the text ends before it closes. What
// is inside a fence is never a heading: parse and insert_entry both skip it.
bool skip_fence(LineReader& in) {
    while (auto line = in.next())
        if (closes_fence(line->text)) return true;
    return false;
}

constexpr std::string_view k_head_prefix = "<!-- ops-ledger-head: ";

// A character test, not find_first_not_of: that is one memchr per character, and these
// are two 64-digit hashes per entry.
bool lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "<!-- ops-ledger-head: seq=N entry_hash=<64 hex> -->" (trailing blanks allowed).
std::optional<ChainHead> parse_head_line(std::string_view line) {
    line = rtrim(line);
    if (!line.starts_with(k_head_prefix) || !line.ends_with(" -->")) return std::nullopt;
    line.remove_prefix(k_head_prefix.size());
    line.remove_suffix(4);
    if (!line.starts_with("seq=")) return std::nullopt;
    line.remove_prefix(4);
    ChainHead h;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), h.seq);
    if (ec != std::errc() || end == line.data()) return std::nullopt;
    line.remove_prefix(static_cast<size_t>(end - line.data()));
    if (!line.starts_with(" entry_hash=") || line.size() != 12 + 64) return std::nullopt;
    if (!lower_hex(line.substr(12))) return std::nullopt;
    h.hash = std::string(line.substr(12));
    return h;
}

// `key: "<64 lowercase hex>"`, the form entry.hpp writes hashes in.
std::optional<std::string> hash_line(std::string_view line, std::string_view key) {
    if (line.size() != key.size() + 2 + 66 || !line.starts_with(key) || line.substr(key.size(), 3) != ": \"" ||
        !line.ends_with('"'))
        return std::nullopt;
    const std::string_view hash = line.substr(key.size() + 3, 64);
    if (!lower_hex(hash)) return std::nullopt;
    return std::string(hash);
}

struct ChainLines {
    uint64_t seq = 0;
    std::string prev_hash, entry_hash;
};

// The chain fields when they are the block's last three lines, exactly as entry.hpp
// writes them. Read from the text, not with yaml-cpp: YAML::Load of only these lines of
// 10,000 entries takes 208-442 ms in-process (bench/RESULTS.md, ops-ledger-append), over
// the 200 ms verify budget. Only this one form is accepted; any other goes to yaml-cpp.
std::optional<ChainLines> chain_lines(const std::vector<std::string_view>& body) {
    if (body.size() < 3) return std::nullopt;
    const std::string_view seq_line = body[body.size() - 3];
    if (!seq_line.starts_with("chain_seq: ")) return std::nullopt;
    ChainLines c;
    const std::string_view digits = seq_line.substr(11);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), c.seq);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.starts_with('0')) return std::nullopt;
    auto prev = hash_line(body[body.size() - 2], "prev_hash");
    auto hash = hash_line(body.back(), "entry_hash");
    if (!prev || !hash) return std::nullopt;
    c.prev_hash = std::move(*prev);
    c.entry_hash = std::move(*hash);
    return c;
}

// The operation_id as entry.hpp writes it: the first field, plain, OPS- and digits.
std::optional<std::string> operation_id_line(const std::vector<std::string_view>& body) {
    if (body.size() < 2 || body[0] != "---" || !body[1].starts_with("operation_id: OPS-")) return std::nullopt;
    const std::string_view id = body[1].substr(14);
    if (id.find_first_not_of("OPS-0123456789") != std::string_view::npos) return std::nullopt;
    return std::string(id);
}

// True when a line of body names a chain field: such a block was written by this tool,
// and is never read by the legacy reader.
bool has_chain_field(std::string_view body) {
    LineReader in(body);
    while (auto line = in.next())
        for (const std::string_view key : {"chain_seq:", "prev_hash:", "entry_hash:"})
            if (line->text.starts_with(key)) return true;
    return false;
}

std::string scalar_or_empty(const YAML::Node& map, const char* key) {
    const YAML::Node v = map[key];
    return v && v.IsScalar() ? v.Scalar() : std::string();
}

// An entry's fields from its text: the chain lines as written, else yaml-cpp.
Result<EntryBlock> read_block(EntryBlock e, const std::vector<std::string_view>& body) {
    if (auto chain = chain_lines(body)) {
        e.seq = chain->seq;
        e.prev_hash = std::move(chain->prev_hash);
        e.entry_hash = std::move(chain->entry_hash);
        e.chain_lines_as_written = true;
        if (auto id = operation_id_line(body)) {
            e.operation_id = std::move(*id);
            return e;
        }
    }
    auto loaded = load_entry(e.body);
    if (!loaded) return loaded.error();
    const YAML::Node& node = loaded->node;
    e.operation_id = scalar_or_empty(node, "operation_id");
    if (e.chain_lines_as_written) return e;
    e.prev_hash = scalar_or_empty(node, "prev_hash");
    e.entry_hash = scalar_or_empty(node, "entry_hash");
    if (const std::string seq = scalar_or_empty(node, "chain_seq"); !seq.empty()) {
        uint64_t n = 0;
        const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), n);
        if (ec != std::errc() || end != seq.data() + seq.size()) return integrity_error("chain_seq is not a number");
        e.seq = n;
    } else if (node["chain_seq"]) {
        return integrity_error("chain_seq is not a number");
    }
    return e;
}

// True when a month heading stands outside every fence.
bool has_month_heading(std::string_view text) {
    LineReader in(text);
    while (auto line = in.next()) {
        if (opens_fence(line->text))
            (void)skip_fence(in);
        else if (month_of_heading(line->text))
            return true;
    }
    return false;
}

} // namespace

Result<LoadedEntry> load_entry(const std::string& body) {
    LoadedEntry out;
    try {
        out.node = YAML::Load(body);
    } catch (const YAML::Exception& ex) {
        // Entries with chain fields are written as YAML by this tool; only hand-kept ones may be loose.
        if (has_chain_field(body)) return integrity_error(fmt::format("not YAML: {}", ex.msg));
        try {
            out.node = read_legacy_block(body);
        } catch (const YAML::Exception& lex) {
            return integrity_error(fmt::format("unreadable entry: {}", lex.msg));
        }
        out.legacy_reader = true;
    }
    if (!out.node.IsMap()) return integrity_error("entry is not a mapping");
    return out;
}

Result<Ledger> parse(std::string_view text) {
    Ledger l;
    LineReader in(text);
    std::string month;
    bool trailer = false;
    std::vector<std::string_view> body; // the lines of the block being read
    while (auto line = in.next()) {
        const std::string_view ln = line->text;
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
        if (!opens_fence(ln)) continue;
        if (trailer || month.empty()) { // the Template's block, or one above the months
            if (!skip_fence(in))
                return integrity_error(fmt::format("ledger line {}: ```yaml block is never closed", line->number));
            continue;
        }
        body.clear();
        std::optional<Line> close;
        while ((close = in.next()) && !closes_fence(close->text))
            body.push_back(close->text);
        if (!close) return integrity_error(fmt::format("ledger line {}: ```yaml block is never closed", line->number));
        EntryBlock e;
        e.month = month;
        e.first_line = line->number;
        e.body = std::string(text.substr(line->end(), close->offset - line->end()));
        auto block = read_block(std::move(e), body);
        if (!block) return with_context(std::move(block), fmt::format("ledger line {}", line->number)).error();
        l.entries.push_back(std::move(*block));
    }
    return l;
}

VerifyReport verify(const Ledger& l) {
    VerifyReport r;
    r.entries = l.entries.size();
    std::map<uint64_t, const EntryBlock*> by_seq;
    const EntryBlock* previous_in_file = nullptr;
    std::vector<const EntryBlock*> legacy_above; // unchained entries not yet below a chained one
    for (const auto& e : l.entries) {
        if (e.seq) {
            for (const auto* u : legacy_above)
                r.problems.push_back(fmt::format("{}: unchained, but newer than the chained entry {} below it "
                                                 "(inserted, or its chain fields removed)",
                                                 entry_name(*u), entry_name(e)));
            legacy_above.clear();
        }
        if (!e.seq) {
            legacy_above.push_back(&e);
            ++r.legacy;
            if (!e.prev_hash.empty() || !e.entry_hash.empty())
                r.problems.push_back(entry_name(e) + ": has chain fields but no chain_seq (edited)");
            continue;
        }
        ++r.chained;
        if (!e.chain_lines_as_written) {
            r.problems.push_back(entry_name(e) + ": the chain fields are not its last lines as written (edited)");
            continue;
        }
        // entry_hash is the last line and covers everything above it.
        const size_t hashed = e.body.rfind('\n', e.body.size() - 2) + 1;
        if (crypto::sha256_hex(std::string_view(e.body).substr(0, hashed)) != e.entry_hash)
            r.problems.push_back(entry_name(e) + ": content does not match its entry_hash (edited)");
        if (by_seq.contains(*e.seq))
            r.problems.push_back(fmt::format("{}: chain_seq {} appears twice", entry_name(e), *e.seq));
        by_seq[*e.seq] = &e;
        if (previous_in_file && *previous_in_file->seq <= *e.seq)
            r.problems.push_back(fmt::format("{} and {}: out of append order (reordered)",
                                             entry_name(*previous_in_file), entry_name(e)));
        previous_in_file = &e;
        if (e.operation_id.size() >= 14 && e.operation_id.substr(4, 7) != e.month)
            r.problems.push_back(fmt::format("{}: in the {} section", entry_name(e), e.month));
    }
    uint64_t expected = 1;
    for (const auto& [seq, e] : by_seq) {
        if (seq != expected)
            r.problems.push_back(fmt::format("{}: chain_seq {}..{} missing before it (entries removed)", entry_name(*e),
                                             expected, seq - 1));
        const auto before = by_seq.find(seq - 1);
        const std::string prev =
            seq == 1 ? std::string(k_zero_hash) : (before == by_seq.end() ? "" : before->second->entry_hash);
        if (e->prev_hash.empty() || (!prev.empty() && e->prev_hash != prev))
            r.problems.push_back(fmt::format("{}: prev_hash does not name the previous entry", entry_name(*e)));
        expected = seq + 1;
    }
    if (!by_seq.empty()) {
        const auto& [top_seq, top] = *by_seq.rbegin();
        if (!l.head_seq)
            r.problems.emplace_back("the head comment (<!-- ops-ledger-head ... -->) is missing");
        else if (*l.head_seq != top_seq || l.head_hash != top->entry_hash)
            r.problems.push_back(fmt::format(
                "the head names seq {} but the newest entry is seq {} (newest entries removed)", *l.head_seq, top_seq));
    } else if (l.head_seq && *l.head_seq > 0) {
        r.problems.emplace_back("the head names chained entries but there are none (entries removed)");
    }
    return r;
}

std::string entry_name(const EntryBlock& e) {
    return fmt::format("{} (line {})", e.operation_id.empty() ? "entry" : e.operation_id, e.first_line);
}

std::vector<const EntryBlock*> append_order(const Ledger& l) {
    std::vector<const EntryBlock*> legacy, chained;
    for (auto it = l.entries.rbegin(); it != l.entries.rend(); ++it)
        (it->seq ? chained : legacy).push_back(&*it);
    std::stable_sort(chained.begin(), chained.end(),
                     [](const EntryBlock* a, const EntryBlock* b) { return *a->seq < *b->seq; });
    legacy.insert(legacy.end(), chained.begin(), chained.end());
    return legacy;
}

std::string checkpoint_path(const std::string& ledger) {
    return ledger + ".checkpoint";
}

Result<std::optional<crypto::SigningKey>> load_signing_key() {
    return crypto::load_optional_signing_key("QUANTUM_LEDGER_SIGNING_KEY_FILE", "ledger-signing-key");
}

std::string default_origin() {
    return env_or("QUANTUM_CHECKPOINT_ORIGIN", hostname() + "/quantum-ops/ledger");
}

CheckpointReport check_checkpoints(const Ledger& l, const std::vector<crypto::CheckpointInput>& inputs,
                                   const std::vector<crypto::VerifierKey>& keys, bool stored) {
    CheckpointReport r;
    r.stored = stored;
    const auto order = append_order(l);
    crypto::CheckpointCheck check(inputs, keys);
    for (const auto* e : order)
        check.add_leaf(crypto::leaf_hash(e->body));
    check.finish();
    for (const auto& p : check.problems()) {
        std::string where = "the ledger";
        if (p.line >= 1 && p.line <= order.size())
            where = entry_name(*order[p.line - 1]);
        else if (p.line > order.size() && !order.empty())
            where = "after " + entry_name(*order.back());
        r.problems.push_back(fmt::format("{}: {}: {}", where, p.kind, p.detail));
    }
    r.checkpoints = check.checkpoints();
    r.tree = check.frontier();
    if (!keys.empty()) r.largest = check.largest_consistent();
    uint64_t covered = 0;
    for (const auto& c : r.checkpoints)
        if (c.consistent && (c.authenticated || keys.empty())) covered = std::max(covered, c.body.size);
    if (inputs.empty() && !order.empty())
        r.problems.push_back(fmt::format("the ledger: no checkpoint: {} is missing (removed, or a first-edition "
                                         "ledger: the next append stores one, ops/UPGRADE.md)",
                                         "the stored checkpoint"));
    else if (stored && covered < order.size() && check.problems().empty()) {
        r.uncovered = order.size() - covered;
        r.uncovered_problem = fmt::format("{}: uncovered: entries {}-{} (append order) are in no checkpoint "
                                          "(added outside ops-ledger-append?)",
                                          entry_name(*order[covered]), covered + 1, order.size());
    }
    return r;
}

std::string next_operation_id(const Ledger& l, const std::string& date) {
    const std::string prefix = "OPS-" + date + "-";
    int max = 0;
    for (const auto& e : l.entries) {
        if (!e.operation_id.starts_with(prefix)) continue;
        const std::string_view digits = std::string_view(e.operation_id).substr(prefix.size());
        int n = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec == std::errc() && end == digits.data() + digits.size()) max = std::max(max, n);
    }
    return fmt::format("{}{:03}", prefix, max + 1);
}

bool has_operation(const Ledger& l, std::string_view id) {
    return std::any_of(l.entries.begin(), l.entries.end(), [&](const EntryBlock& e) { return e.operation_id == id; });
}

ChainHead chain_head(const Ledger& l) {
    ChainHead head;
    for (const auto& e : l.entries)
        if (e.seq && *e.seq > head.seq) {
            head.seq = *e.seq;
            head.hash = e.entry_hash;
        }
    return head;
}

std::string insert_entry(std::string_view text, const std::string& month, const std::string& block_body, uint64_t seq,
                         const std::string& entry_hash) {
    // One allocation for the new file: the block, a month heading and the head comment
    // fit in the slack, so the edits below move text but never reallocate it.
    constexpr size_t k_slack_bytes = 256;
    std::string out;
    out.reserve(text.size() + block_body.size() + k_slack_bytes);
    out.append(text);
    if (!out.empty() && !out.ends_with('\n')) out.push_back('\n');
    std::string block = "```yaml\n" + block_body;
    if (!block.ends_with('\n')) block.push_back('\n');
    block += "```\n";

    // Where the block goes: under its month's heading; else before the first older month,
    // or before the trailer (keeping one blank line or rule before its heading), or last.
    size_t at = out.size();
    std::string insertion;
    const bool any_month = has_month_heading(out);
    bool months_seen = false;
    size_t after_gap = std::string::npos; // past the first of the blank lines and rules just read
    LineReader in(out);
    while (auto line = in.next()) {
        if (opens_fence(line->text)) {
            (void)skip_fence(in);
            after_gap = std::string::npos;
            continue;
        }
        const auto m = month_of_heading(line->text);
        months_seen = months_seen || m;
        if (m && *m == month) {
            at = std::min(line->end(), out.size());
            insertion = "\n" + block;
            break;
        }
        if (m && *m < month) {
            at = line->offset;
            break;
        }
        // The trailer: the first other heading after the months (or, without months, any).
        if (line->number > 1 && is_other_heading(line->text) && (months_seen || !any_month)) {
            at = after_gap != std::string::npos ? after_gap : line->offset;
            break;
        }
        const std::string_view t = rtrim(line->text);
        if (t.empty() || t == "---") {
            if (after_gap == std::string::npos) after_gap = line->end();
        } else {
            after_gap = std::string::npos;
        }
    }
    if (insertion.empty()) {
        insertion = "## " + month + "\n\n" + block + "\n";
        const size_t last_line = out.size() < 2 ? 0 : out.rfind('\n', out.size() - 2) + 1;
        if (at == out.size() && !rtrim(std::string_view(out).substr(last_line)).empty()) insertion = "\n" + insertion;
    }

    // The head comment: replaced where it is, or added under the title.
    const std::string head = fmt::format("{}seq={} entry_hash={} -->\n", k_head_prefix, seq, entry_hash);
    size_t head_at = out.starts_with("# ") ? out.find('\n') + 1 : 0;
    size_t head_length = 0; // of the old head line, when there is one
    LineReader again(out);
    while (auto line = again.next()) {
        if (opens_fence(line->text)) {
            (void)skip_fence(again);
        } else if (line->text.starts_with(k_head_prefix)) {
            head_at = line->offset;
            head_length = line->text.size() + 1;
            break;
        }
    }

    // The later edit first, so that the earlier one's offset still holds. At the same
    // place a new head comment goes above the block, a replaced one below it.
    if (head_at > at || (head_at == at && head_length > 0)) {
        out.replace(head_at, head_length, head);
        out.insert(at, insertion);
    } else {
        out.insert(at, insertion);
        out.replace(head_at, head_length, head);
    }
    return out;
}

} // namespace qops::ledger
