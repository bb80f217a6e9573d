#pragma once
// Text checks and the one escaper. Every value that did not come from this program
// (a journal MESSAGE, a Redis field, a latch reason, an audit message) is escaped before
// it reaches a terminal, a log line or a one-line file format, so that it cannot break a
// line or send a terminal control sequence (ESC, CSI, OSC).

#include <cstddef>
#include <string>
#include <string_view>

namespace qops::text {

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), 0 when the bytes
// there are not one (overlong forms, surrogates and code points past U+10FFFF included).
size_t utf8_sequence_length(std::string_view s, size_t i);

// True when s is entirely valid UTF-8.
bool valid_utf8(std::string_view s);

// One line, inert on a terminal, reversible: backslash as \\, newline \n, CR \r, TAB \t;
// every other C0 control, DEL, C1 control (U+0080-U+009F) and byte that is not valid
// UTF-8 as \xNN per byte. unescape(escape(s)) == s for any bytes.
std::string escape(std::string_view s);
std::string unescape(std::string_view s);

// escape() of at most max_bytes of s, ending in "..." when s was longer; a character cut
// by the limit is dropped rather than shown as broken bytes.
std::string escape_prefix(std::string_view s, size_t max_bytes);

} // namespace qops::text
