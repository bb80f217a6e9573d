#include "crypto/note.hpp"

#include "base/file.hpp"
#include "base/text.hpp"
#include "crypto/base64.hpp"
#include "crypto/hex.hpp"
#include "crypto/sha256.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace qops::crypto {
namespace {

constexpr unsigned char k_alg_ed25519 = 0x01;
constexpr std::string_view k_sig_prefix = "\xE2\x80\x94 "; // U+2014 EM DASH, a space
constexpr size_t k_max_verifier_keys_bytes = 1u << 20;

// True when s is valid UTF-8 without control characters (except '\n' when allow_newline).
bool clean_utf8(std::string_view s, bool allow_newline) {
    if (!text::valid_utf8(s)) return false;
    return std::none_of(s.begin(), s.end(), [&](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && !(allow_newline && c == '\n')) || c == 0x7f;
    });
}

uint32_t be32(const unsigned char* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

} // namespace

bool valid_key_name(std::string_view name) {
    if (name.empty() || !clean_utf8(name, false) || name.find_first_of(" +") != std::string_view::npos) return false;
    // The non-ASCII spaces (Go's unicode.IsSpace), which the signed-note spec forbids too.
    for (std::string_view space : {"\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\xA8", "\xE2\x80\xA9",
                                   "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"})
        if (name.find(space) != std::string_view::npos) return false;
    for (unsigned char c = 0x80; c <= 0x8A; ++c) // U+2000..U+200A
        if (name.find(std::string{'\xE2', '\x80', static_cast<char>(c)}) != std::string_view::npos) return false;
    return true;
}

uint32_t key_id(std::string_view name, const PublicKey& key) {
    Sha256 h;
    const unsigned char sep[2] = {'\n', k_alg_ed25519};
    h.update(name).update(sep, sizeof sep).update(key.data(), key.size());
    const Digest d = h.digest();
    return be32(d.data());
}

std::string VerifierKey::text() const {
    std::string raw(1, static_cast<char>(k_alg_ed25519));
    raw.append(reinterpret_cast<const char*>(key.data()), key.size());
    return fmt::format("{}+{:08x}+{}", name, id, base64_encode(raw));
}

VerifierKey make_verifier_key(const std::string& name, const PublicKey& key) {
    return VerifierKey{name, key_id(name, key), key};
}

Result<VerifierKey> parse_verifier_key(std::string_view text) {
    auto bad = [&](const char* why) {
        return usage_error(fmt::format("invalid verifier key '{}': {}", text.substr(0, 120), why));
    };
    const size_t p1 = text.find('+');
    if (p1 == std::string_view::npos) return bad("expected <name>+<hash>+<base64>");
    const size_t p2 = text.find('+', p1 + 1);
    if (p2 == std::string_view::npos) return bad("expected <name>+<hash>+<base64>");
    const std::string_view name = text.substr(0, p1), hex = text.substr(p1 + 1, p2 - p1 - 1), b64 = text.substr(p2 + 1);
    if (!valid_key_name(name)) return bad("the name is empty or has spaces or control characters");
    if (hex.size() != 8 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos)
        return bad("the hash is not 8 lowercase hex digits");
    const auto raw = base64_decode(b64);
    if (!raw) return bad("the key is not base64");
    if (raw->size() != 33 || static_cast<unsigned char>((*raw)[0]) != k_alg_ed25519)
        return bad("not an Ed25519 key (0x01 followed by 32 bytes)");
    VerifierKey v;
    v.name = std::string(name);
    std::copy(raw->begin() + 1, raw->end(), reinterpret_cast<char*>(v.key.data()));
    v.id = key_id(v.name, v.key);
    if (fmt::format("{:08x}", v.id) != hex) return bad("the hash does not match the name and key");
    return v;
}

Result<std::vector<VerifierKey>> load_verifier_keys(const std::string& path) {
    auto text = read_file(path, k_max_verifier_keys_bytes);
    if (!text) return with_context(Result<std::vector<VerifierKey>>(text.error()), "verifier keys");
    std::vector<VerifierKey> keys;
    size_t line_no = 0;
    for (size_t pos = 0; pos < text->size();) {
        size_t nl = text->find('\n', pos);
        if (nl == std::string::npos) nl = text->size();
        std::string_view line(text->data() + pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        auto key = parse_verifier_key(line);
        if (!key) return usage_error(fmt::format("{}:{}: {}", path, line_no, key.error().message));
        keys.push_back(std::move(*key));
    }
    return keys;
}

Result<std::string> sign_note(std::string_view text, const std::string& name, const SigningKey& key) {
    if (!valid_key_name(name)) return usage_error(fmt::format("invalid signing key name '{}'", name));
    if (text.empty() || text.back() != '\n' || !clean_utf8(text, true))
        return usage_error("note text must be UTF-8 without control characters and end with a newline");
    const Signature sig = key.sign(text);
    const uint32_t id = key_id(name, key.public_key());
    std::string blob{static_cast<char>(id >> 24), static_cast<char>(id >> 16), static_cast<char>(id >> 8),
                     static_cast<char>(id)};
    blob.append(reinterpret_cast<const char*>(sig.data()), sig.size());
    return fmt::format("{}\n{}{} {}\n", text, k_sig_prefix, name, base64_encode(blob));
}

Result<OpenedNote> open_note(std::string_view note, const std::vector<VerifierKey>& trusted) {
    auto malformed = [](const char* why) { return integrity_error(fmt::format("malformed signed note: {}", why)); };
    if (!clean_utf8(note, true)) return malformed("not UTF-8 text");
    const size_t split = note.rfind("\n\n");
    if (split == std::string_view::npos) return malformed("no blank line before the signatures");
    const std::string_view text = note.substr(0, split + 1);
    std::string_view sigs = note.substr(split + 2);
    if (sigs.empty() || sigs.back() != '\n') return malformed("no signature lines");
    OpenedNote out{std::string(text), {}};
    std::set<std::pair<std::string, uint32_t>> seen;
    size_t count = 0;
    while (!sigs.empty()) {
        const size_t nl = sigs.find('\n');
        std::string_view line = sigs.substr(0, nl);
        sigs.remove_prefix(nl + 1);
        if (!line.starts_with(k_sig_prefix)) return malformed("a signature line does not start with an em dash");
        line.remove_prefix(k_sig_prefix.size());
        const size_t sp = line.find(' ');
        if (sp == std::string_view::npos) return malformed("a signature line has no key name");
        const std::string_view name = line.substr(0, sp);
        const auto blob = base64_decode(line.substr(sp + 1));
        if (!blob || !valid_key_name(name) || blob->size() < 5) return malformed("a signature line is not valid");
        if (++count > k_max_note_signatures) return malformed("too many signatures");
        const uint32_t id = be32(reinterpret_cast<const unsigned char*>(blob->data()));
        const VerifierKey* key = nullptr;
        for (const auto& k : trusted)
            if (k.name == name && k.id == id) key = &k;
        if (key == nullptr) continue; // another party's signature: not ours to judge
        if (!seen.insert({key->name, key->id}).second) continue;
        Signature sig{};
        if (blob->size() != 4 + sig.size() ||
            (std::copy(blob->begin() + 4, blob->end(), reinterpret_cast<char*>(sig.data())),
             !verify(key->key, text, sig)))
            return integrity_error(fmt::format("invalid signature by trusted key {}+{:08x}", key->name, key->id));
        out.signers.push_back(*key);
    }
    if (out.signers.empty()) return integrity_error("signed note carries no signature by a trusted key");
    return out;
}

} // namespace qops::crypto
