// The audit log: line parsing, escaping (any bytes round-trip through one line), chain
// verification, and the day search and counting over a file of the input.
#include "audit/day.hpp"
#include "audit/log.hpp"
#include "base/text.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace qops;
    const std::string input = fuzz::text(data, size);
    const std::string escaped = text::escape(input);
    fuzz::require(escaped.find('\n') == std::string::npos && escaped.find('\t') == std::string::npos,
                  "an escaped message spans lines or holds a TAB");
    fuzz::require(text::unescape(escaped) == input, "escape does not round-trip");

    size_t start = 0;
    while (start <= input.size()) {
        size_t nl = input.find('\n', start);
        if (nl == std::string::npos) nl = input.size();
        (void)audit::parse_line(std::string_view(input).substr(start, nl - start));
        start = nl + 1;
    }
    fuzz::TempFile log(input);
    audit::VerifyOptions keyed;
    keyed.legacy_key = "fuzz-key";
    (void)audit::verify(log.path(), audit::VerifyOptions{});
    (void)audit::verify(log.path(), keyed);
    auto total = audit::count_lines(log.path());
    auto day = audit::read_day({log.path()}, "2025-07-15", 5);
    if (day && total) fuzz::require(day->count <= *total, "a day holds more entries than the file");
    return 0;
}
