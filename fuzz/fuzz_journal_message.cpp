// What the journal side reads from outside: MESSAGE bytes (made printable for samples),
// cursors (parsed for the dedup key and the file selection) and --window spans.
#include "fuzz.hpp"
#include "journal/alert.hpp"
#include "journal/scanner.hpp"
#include "journal/timespan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    const std::string input = fuzz::text(data, size);
    const std::string shown = journal::printable(input);
    for (const char c : shown)
        fuzz::require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "a control byte in a printable sample");
    (void)journal::parse_cursor(input);
    const auto key = journal::dedup_key("u.service", input, input);
    fuzz::require(key == journal::dedup_key("u.service", input, input), "the dedup key is not stable");
    if (auto span = journal::parse_timespan(input)) (void)journal::format_timespan(*span);
    return 0;
}
