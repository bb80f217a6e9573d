#pragma once
// Real journal files for the journal tests: entries are written in the journal export
// format and turned into a .journal file by systemd-journal-remote, exactly as a
// fleet's collector would (one file per host, each host its own machine and boot id).
// Times are relative to now, so fixtures are made at test time.

#include "base/time.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace qops::test {

inline constexpr const char* k_journal_remote = "/lib/systemd/systemd-journal-remote";
inline constexpr int64_t k_usec_per_min = 60'000'000;
inline constexpr const char* k_apply_unit = "quantum-apply-layer.service";
inline constexpr const char* k_boot_id = "8d1f1f8f0e3c4c55a6e3a5b1c2d3e4f5";
inline constexpr const char* k_machine_id = "5e0a7c1b2d3f4a5b8c9d0e1f2a3b4c5d";

// A host of the fleet: what its journald stamps on every entry.
struct JournalHost {
    std::string hostname;
    std::string machine_id;
    std::string boot_id;
};

// Host n of a test fleet ("apply-host-n"), with its own machine and boot id.
inline JournalHost fleet_host(int n) {
    const std::string hex = fmt::format("{:08x}", n);
    return {fmt::format("apply-host-{}", n), hex + "aaaabbbbccccddddeeeeffff", hex + "000011112222333344445555"};
}

struct JournalEntry {
    int64_t realtime_usec = 0;
    std::string message;
    std::string unit = k_apply_unit;           // _SYSTEMD_UNIT; empty: none
    std::map<std::string, std::string> fields; // further fields (UNIT=, _PID=, ...)
    std::string hostname = "apply-host-1";
    std::string machine_id = k_machine_id; // empty: none (hand-made exports)
    std::string boot_id = k_boot_id;
};

// The entry as logged on host.
inline JournalEntry on_host(JournalEntry e, const JournalHost& host) {
    e.hostname = host.hostname;
    e.machine_id = host.machine_id;
    e.boot_id = host.boot_id;
    return e;
}

// An entry of the apply layer at an absolute realtime stamp.
inline JournalEntry entry_at_usec(int64_t realtime_usec, std::string message) {
    JournalEntry e;
    e.realtime_usec = realtime_usec;
    e.message = std::move(message);
    return e;
}

// An entry of unit at now + offset (offset in microseconds, usually negative).
inline JournalEntry entry_at(int64_t offset_usec, std::string message, std::string unit = k_apply_unit) {
    JournalEntry e;
    e.realtime_usec = now_epoch_micros() + offset_usec;
    e.message = std::move(message);
    e.unit = std::move(unit);
    return e;
}

inline bool needs_binary_form(const std::string& value) {
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n' || c < 0x20 || c >= 0x80) return true;
    }
    return false;
}

inline void append_field(std::string& out, const std::string& name, const std::string& value) {
    if (!needs_binary_form(value)) {
        out += name + "=" + value + "\n";
        return;
    }
    // Binary-safe form: NAME\n, little-endian 64-bit size, the bytes, \n.
    out += name + "\n";
    uint64_t size = value.size();
    for (int i = 0; i < 8; ++i)
        out += static_cast<char>((size >> (8 * i)) & 0xFF);
    out += value + "\n";
}

// All fixtures share one boot; sd-journal orders entries of one boot across files by
// their monotonic stamp, so it is derived from the realtime as on a real host.
inline constexpr int64_t k_boot_realtime_usec = 1'600'000'000'000'000;

// The export-format stream for entries.
inline std::string export_stream(const std::vector<JournalEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        out += "__REALTIME_TIMESTAMP=" + std::to_string(e.realtime_usec) + "\n";
        out += "__MONOTONIC_TIMESTAMP=" + std::to_string(e.realtime_usec - k_boot_realtime_usec) + "\n";
        out += "_BOOT_ID=" + e.boot_id + "\n";
        if (!e.machine_id.empty()) out += "_MACHINE_ID=" + e.machine_id + "\n";
        if (!e.unit.empty()) append_field(out, "_SYSTEMD_UNIT", e.unit);
        if (!e.hostname.empty()) append_field(out, "_HOSTNAME", e.hostname);
        for (const auto& [k, v] : e.fields)
            append_field(out, k, v);
        append_field(out, "MESSAGE", e.message);
        out += "\n";
    }
    return out;
}

// Writes (or appends to) the journal file path with entries through systemd-journal-remote.
inline void write_journal(const std::string& path, const std::vector<JournalEntry>& entries) {
    RunOptions o;
    o.stdin_data = export_stream(entries);
    auto r = run({k_journal_remote, "-o", path, "-"}, o);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

// Makes the first compressed field in the journal file unreadable, as a disk error or a
// torn write would: the zstd frame header of its payload is overwritten, so sd-journal
// can still walk the entry but not decompress that field. Write the field with
// compressible_message() so that journal-remote compresses it.
inline void corrupt_compressed_field(const std::string& path) {
    std::string bytes = slurp(path);
    const std::string zstd_magic("\x28\xb5\x2f\xfd", 4);
    const size_t at = bytes.find(zstd_magic);
    REQUIRE(at != std::string::npos);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at + zstd_magic.size()));
    const std::string junk(8, '\xff');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    REQUIRE(f.good());
}

// A MESSAGE long enough for journal-remote to store it compressed.
inline std::string compressible_message(const std::string& head) {
    std::string m = head;
    while (m.size() < 8192)
        m += " padding";
    return m;
}

// A journal directory parent/journal holding one DENY_NOT_EXIT_OWNER line of the apply
// layer a minute ago (for tests of other areas that need an alert to send).
inline std::string one_deny_journal(const std::string& parent) {
    const std::string dir = parent + "/journal";
    std::filesystem::create_directories(dir);
    write_journal(dir + "/a.journal",
                  {entry_at(-k_usec_per_min, "DENY_NOT_EXIT_OWNER order=1 caller=quantum-governor")});
    return dir;
}

} // namespace qops::test
