// What the journal side reads from outside: MESSAGE bytes (made printable for samples),
// cursors (parsed for the dedup key) and --window spans.
#include "base/text.hpp"
#include "fuzz.hpp"
#include "systemd/journal.hpp"
#include "systemd/timespan.hpp"
#include "watch/alert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    const std::string input = fuzz::text(data, size);
    const std::string shown = text::escape_prefix(input, watch::k_max_sample_bytes);
    for (const char c : shown)
        fuzz::require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "a control byte in a printable sample");
    (void)systemd::parse_cursor(input);
    const auto key = watch::dedup_key("u.service", input, input);
    fuzz::require(key == watch::dedup_key("u.service", input, input), "the dedup key is not stable");
    if (auto span = systemd::parse_timespan(input)) (void)systemd::format_timespan(*span);
    return 0;
}
