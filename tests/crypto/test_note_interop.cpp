// Our signed notes checked by golang.org/x/mod/sumdb/note, the reference implementation
// of C2SP signed notes, and its notes checked by ours.
#include "crypto/note.hpp"
#include "support/go_tool.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace qops::crypto;

TEST_CASE("note interop: Go's sumdb/note opens what we sign and refuses a changed byte") {
    test::TempDir tmp;
    const auto tool = test::build_go_tool(tmp, "crypto/note_check.go");
    if (!tool) QOPS_SKIP("go (golang-go, golang-golang-x-mod-dev) is not installed");
    const auto key = SigningKey::generate();
    const std::string name = "qops-proof/quantum-ops/audit";
    const std::string text = "qops-proof/quantum-ops/audit\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    auto note = sign_note(text, name, key);
    REQUIRE(note.ok());
    const std::string vkey = make_verifier_key(name, key.public_key()).text();

    test::RunOptions in;
    in.stdin_data = *note;
    auto ok = test::run({*tool, "verify", vkey}, in);
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out == text);

    std::string changed = *note;
    changed[changed.find("42")] = '4' + 1;
    in.stdin_data = changed;
    CHECK(test::run({*tool, "verify", vkey}, in).exit_code == 1);
    // Another key of the same name is not the signer.
    in.stdin_data = *note;
    const std::string other = make_verifier_key(name, SigningKey::generate().public_key()).text();
    CHECK(test::run({*tool, "verify", other}, in).exit_code == 1);
}

TEST_CASE("note interop: we open what Go's sumdb/note signs, with its verifier key") {
    test::TempDir tmp;
    const auto tool = test::build_go_tool(tmp, "crypto/note_check.go");
    if (!tool) QOPS_SKIP("go (golang-go, golang-golang-x-mod-dev) is not installed");
    test::RunOptions in;
    in.stdin_data = "quantum-ops/policy\n7\n" + std::string(64, 'a') + "\n";
    auto r = test::run({*tool, "sign", "go.example/signer"}, in);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto nl = r.out.find('\n');
    auto vkey = parse_verifier_key(r.out.substr(0, nl));
    REQUIRE(vkey.ok());
    auto opened = open_note(r.out.substr(nl + 1), {*vkey});
    REQUIRE(opened.ok());
    CHECK(opened->text == in.stdin_data);
    std::string changed = r.out.substr(nl + 1);
    changed[changed.find('7')] = '8';
    CHECK_FALSE(open_note(changed, {*vkey}).ok());
}
