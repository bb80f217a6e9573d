#include "policy/document.hpp"

#include "crypto/sha256.hpp"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace qops::policy {
namespace {

using json = nlohmann::json;

Error invalid(const std::string& why) {
    return usage_error("invalid policy: " + why);
}

bool valid_symbol(const std::string& s) {
    if (s.size() < 2 || s.size() > 20) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

// Parses JSON rejecting duplicate keys (nlohmann keeps the last one silently).
Result<json> parse_strict(std::string_view text) {
    std::vector<std::set<std::string>> seen;
    std::string duplicate;
    auto cb = [&](int depth, json::parse_event_t event, json& parsed) {
        (void)depth;
        switch (event) {
        case json::parse_event_t::object_start:
            seen.emplace_back();
            break;
        case json::parse_event_t::object_end:
            seen.pop_back();
            break;
        case json::parse_event_t::key: {
            const auto& k = parsed.get_ref<const std::string&>();
            if (!seen.back().insert(k).second && duplicate.empty()) duplicate = k;
            break;
        }
        default:
            break;
        }
        return true;
    };
    json j;
    try {
        j = json::parse(text.begin(), text.end(), cb);
    } catch (const json::exception& e) { // parse_error, and out_of_range for numbers past a double
        std::string what = e.what();
        auto pos = what.find("] ");
        return invalid("not JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
    }
    if (!duplicate.empty()) return invalid(fmt::format("duplicate key '{}'", duplicate));
    return j;
}

struct Stamps {
    int64_t created_at = 0;
    int64_t valid_until = 0;
    int64_t seq = 0;
};

Result<Document> from_json(const json& j, Stamps* stamps) {
    const bool stamped = stamps != nullptr;
    if (!j.is_object()) return invalid("the document must be a JSON object");
    static const std::set<std::string> k_input_fields{"policy_version", "universe",  "leverage",
                                                      "exit_owner",     "generator", "valid_for_seconds"};
    for (const auto& [key, value] : j.items()) {
        (void)value;
        const bool stamp = key == "created_at_epoch" || key == "valid_until_epoch" || key == "policy_seq";
        if (!k_input_fields.contains(key) && !(stamped && stamp))
            return invalid(fmt::format("unknown field '{}'", key));
    }
    Document d;
    if (!j.contains("policy_version")) return invalid("missing field 'policy_version'");
    if (!j["policy_version"].is_string() || j["policy_version"].get_ref<const std::string&>().empty())
        return invalid("'policy_version' must be a non-empty string");
    d.policy_version = j["policy_version"].get<std::string>();
    if (d.policy_version.size() > 128) return invalid("'policy_version' is longer than 128 characters");

    if (!j.contains("universe")) return invalid("missing field 'universe'");
    const auto& u = j["universe"];
    if (!u.is_array() || u.empty()) return invalid("'universe' must be a non-empty array of symbols");
    if (u.size() > k_max_universe) return invalid(fmt::format("'universe' has more than {} symbols", k_max_universe));
    std::set<std::string> unique;
    for (const auto& s : u) {
        if (!s.is_string()) return invalid("'universe' entries must be strings");
        const auto& sym = s.get_ref<const std::string&>();
        if (!valid_symbol(sym))
            return invalid(fmt::format("symbol '{}' in 'universe' does not match [A-Z0-9]{{2,20}}", sym.substr(0, 40)));
        if (!unique.insert(sym).second) return invalid(fmt::format("symbol '{}' appears twice in 'universe'", sym));
        d.universe.push_back(sym);
    }

    if (!j.contains("leverage")) return invalid("missing field 'leverage'");
    const auto& lev = j["leverage"];
    if (!lev.is_object()) return invalid("'leverage' must be an object {\"min\": x, \"max\": y}");
    for (const auto& [key, value] : lev.items()) {
        (void)value;
        if (key != "min" && key != "max") return invalid(fmt::format("unknown field 'leverage.{}'", key));
    }
    if (!lev.contains("min") || !lev["min"].is_number()) return invalid("'leverage.min' must be a number");
    if (!lev.contains("max") || !lev["max"].is_number()) return invalid("'leverage.max' must be a number");
    d.leverage_min = lev["min"].get<double>();
    d.leverage_max = lev["max"].get<double>();
    if (!(d.leverage_min >= 1.0)) return invalid("'leverage.min' must be at least 1");
    if (!(d.leverage_max >= d.leverage_min)) return invalid("'leverage.max' must be at least 'leverage.min'");
    if (!(d.leverage_max <= k_max_leverage)) return invalid("'leverage.max' must be at most 125");

    if (!j.contains("exit_owner")) return invalid("missing field 'exit_owner'");
    if (!j["exit_owner"].is_string() || j["exit_owner"].get_ref<const std::string&>().empty())
        return invalid("'exit_owner' must be a non-empty string");
    d.exit_owner = j["exit_owner"].get<std::string>();

    if (j.contains("generator")) {
        if (!j["generator"].is_string()) return invalid("'generator' must be a string");
        d.generator = j["generator"].get<std::string>();
    }
    if (j.contains("valid_for_seconds")) {
        const auto& v = j["valid_for_seconds"];
        if (!v.is_number_integer()) return invalid("'valid_for_seconds' must be an integer");
        if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(k_max_valid_for_seconds))
            return invalid(fmt::format("'valid_for_seconds' must be at most {}", k_max_valid_for_seconds));
        d.valid_for_seconds = v.get<int64_t>();
        if (d.valid_for_seconds <= k_freshness_margin_seconds)
            return invalid(fmt::format("'valid_for_seconds' must be more than the {} s freshness margin",
                                       k_freshness_margin_seconds));
        if (d.valid_for_seconds > k_max_valid_for_seconds)
            return invalid(fmt::format("'valid_for_seconds' must be at most {}", k_max_valid_for_seconds));
    }
    if (stamped) {
        for (const char* key : {"created_at_epoch", "valid_until_epoch", "policy_seq"})
            if (!j.contains(key) || !j[key].is_number_integer() ||
                (j[key].is_number_unsigned() &&
                 j[key].get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())))
                return invalid(fmt::format("'{}' must be an integer", key));
        stamps->created_at = j["created_at_epoch"].get<int64_t>();
        stamps->valid_until = j["valid_until_epoch"].get<int64_t>();
        stamps->seq = j["policy_seq"].get<int64_t>();
        if (stamps->seq < 1) return invalid("'policy_seq' must be at least 1");
    }
    return d;
}

json to_json(const Sealed& s) {
    json j;
    j["policy_version"] = s.doc.policy_version;
    j["universe"] = s.doc.universe;
    j["leverage"] = {{"min", s.doc.leverage_min}, {"max", s.doc.leverage_max}};
    j["exit_owner"] = s.doc.exit_owner;
    j["generator"] = s.doc.generator;
    j["valid_for_seconds"] = s.doc.valid_for_seconds;
    j["created_at_epoch"] = s.created_at_epoch;
    j["valid_until_epoch"] = s.valid_until_epoch;
    j["policy_seq"] = s.policy_seq;
    return j;
}

Error integrity(const std::string& why) {
    return integrity_error(why);
}

} // namespace

std::string format_leverage_range(double min, double max) {
    auto one = [](double v) {
        if (std::floor(v) == v) return fmt::format("{:.1f}x", v);
        return fmt::format("{}x", v);
    };
    return one(min) + "-" + one(max);
}

std::string Sealed::leverage_range() const {
    return format_leverage_range(doc.leverage_min, doc.leverage_max);
}

const std::vector<std::string>& required_fields() {
    static const std::vector<std::string> k_fields{
        "policy_version", "policy_hash", "valid_until_epoch", "created_at_epoch", "generator",  "universe_count",
        "leverage_range", "exit_owner",  "policy_json",       "policy_seq",       "policy_note"};
    return k_fields;
}

std::map<std::string, std::string> Sealed::hash_fields() const {
    std::map<std::string, std::string> f{{"policy_version", doc.policy_version},
                                         {"policy_hash", policy_hash},
                                         {"valid_until_epoch", std::to_string(valid_until_epoch)},
                                         {"created_at_epoch", std::to_string(created_at_epoch)},
                                         {"generator", doc.generator},
                                         {"universe_count", std::to_string(doc.universe.size())},
                                         {"leverage_range", leverage_range()},
                                         {"exit_owner", doc.exit_owner},
                                         {"policy_json", policy_json},
                                         {"policy_seq", std::to_string(policy_seq)}};
    if (!policy_note.empty()) f.emplace("policy_note", policy_note);
    return f;
}

std::string Sealed::note_text() const {
    return fmt::format("quantum-ops/policy\n{}\n{}\n", policy_seq, policy_hash);
}

Result<Document> parse_document(std::string_view json_text) {
    if (json_text.size() > k_max_document_bytes)
        return invalid(fmt::format("document is larger than {} bytes", k_max_document_bytes));
    auto j = parse_strict(json_text);
    if (!j) return j.error();
    return from_json(*j, nullptr);
}

Sealed seal(Document doc, int64_t now_epoch, const std::string& generator_fallback, int64_t policy_seq) {
    Sealed s;
    s.policy_seq = policy_seq;
    if (doc.generator.empty()) doc.generator = generator_fallback;
    s.doc = std::move(doc);
    s.created_at_epoch = now_epoch;
    s.valid_until_epoch = now_epoch + s.doc.valid_for_seconds;
    s.policy_json = to_json(s).dump(); // nlohmann's object is a std::map: keys sorted, no whitespace
    s.policy_hash = crypto::sha256_hex(s.policy_json);
    return s;
}

Result<Sealed> verify_fields(const std::map<std::string, std::string>& fields, int64_t now_epoch) {
    if (fields.empty()) return integrity("no policy stored (quantum:policy:current is missing)");
    for (const auto& f : required_fields())
        if (f != "policy_note" && !fields.contains(f))
            return integrity(fmt::format("policy is incomplete: field '{}' is missing", f));
    const std::string& pj = fields.at("policy_json");
    const std::string actual = crypto::sha256_hex(pj);
    if (actual != fields.at("policy_hash"))
        return integrity(fmt::format("policy hash mismatch: stored {} but policy_json hashes to {}",
                                     fields.at("policy_hash").substr(0, 16), actual.substr(0, 16)));
    auto j = parse_strict(pj);
    if (!j) return integrity("stored policy_json is not valid: " + j.error().message);
    Sealed s;
    Stamps stamps;
    auto doc = from_json(*j, &stamps);
    if (!doc) return integrity("stored policy_json is not valid: " + doc.error().message);
    s.doc = std::move(*doc);
    s.created_at_epoch = stamps.created_at;
    s.valid_until_epoch = stamps.valid_until;
    s.policy_seq = stamps.seq;
    s.policy_json = pj;
    s.policy_hash = actual;
    if (auto note = fields.find("policy_note"); note != fields.end()) s.policy_note = note->second;
    const auto expected = s.hash_fields();
    for (const auto& [key, value] : expected)
        if (fields.at(key) != value)
            return integrity(fmt::format("policy field '{}' disagrees with policy_json ('{}' vs '{}')", key,
                                         fields.at(key).substr(0, 64), value.substr(0, 64)));
    if (auto times = check_times(s, now_epoch); !times) return times.error();
    return s;
}

Result<void> check_times(const Sealed& s, int64_t now_epoch) {
    // Bounds before expiry, so that an absurd stamp is named as such. The numbers are
    // printed as numbers: a date of year -2094062883 helps nobody.
    if (s.created_at_epoch > now_epoch + k_max_clock_skew_seconds)
        return integrity(fmt::format("policy {} was created in the future (created_at_epoch {} is {} s ahead)",
                                     s.doc.policy_version, s.created_at_epoch, s.created_at_epoch - now_epoch));
    if (s.created_at_epoch < 0)
        return integrity(
            fmt::format("policy {} has a negative created_at_epoch {}", s.doc.policy_version, s.created_at_epoch));
    // created_at is now in [0, now + 60]: the sums and differences below cannot overflow.
    if (s.valid_until_epoch < s.created_at_epoch || s.valid_until_epoch > s.created_at_epoch + k_max_valid_for_seconds)
        return integrity(fmt::format("policy {} claims a validity from {} to {}: more than the {} s (31 days) "
                                     "allowed, or negative",
                                     s.doc.policy_version, s.created_at_epoch, s.valid_until_epoch,
                                     k_max_valid_for_seconds));
    if (s.valid_until_epoch <= now_epoch)
        return integrity(
            fmt::format("policy {} expired {} s ago", s.doc.policy_version, now_epoch - s.valid_until_epoch));
    return {};
}

void sign(Sealed& sealed, const crypto::SigningKey& key) {
    sealed.policy_note = value_or_throw(crypto::sign_note(sealed.note_text(), k_signing_key_name, key));
}

crypto::VerifierKey policy_verifier_key(const crypto::SigningKey& key) {
    return crypto::make_verifier_key(k_signing_key_name, key.public_key());
}

Result<Sealed> verify_signed(const std::map<std::string, std::string>& fields, int64_t now_epoch,
                             const std::vector<crypto::VerifierKey>& trusted) {
    auto s = verify_fields(fields, now_epoch);
    if (!s) return s;
    if (s->policy_note.empty()) return integrity("policy is not signed: field 'policy_note' is missing");
    auto opened = crypto::open_note(s->policy_note, trusted);
    if (!opened) return integrity("policy signature rejected: " + opened.error().message);
    if (opened->text != s->note_text())
        return integrity(fmt::format("policy signature is for another policy (the note does not name seq {} "
                                     "and hash {})",
                                     s->policy_seq, s->policy_hash.substr(0, 16)));
    return s;
}

} // namespace qops::policy
