#pragma once
// The contract's log lines on stderr:
//   YYYY-MM-DD HH:MM:SS [TAG] LEVEL: message
// or, when stderr is the journal ($JOURNAL_STREAM names our stderr),
//   <N>[TAG] LEVEL: message        with N the sd-daemon priority.
// Only the command layer logs; the library below it returns errors and data.
// Every message is escaped (base/text.hpp): a value quoted from outside cannot break the
// line or reach the terminal as a control sequence.

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace qops::commands::log {

enum class Level { info, ok, warn, fail };

// Sets the tag (e.g. "POLICY-REFRESH") used by every following line.
void set_tag(std::string tag);

// True when stderr is connected to the journal, as $JOURNAL_STREAM says.
bool stderr_is_journal();

// Formats one log line (without the trailing newline). Exposed for tests.
std::string format_line(Level level, std::string_view tag, std::string_view message, bool journal,
                        long long epoch_seconds);

// Writes one line to stderr, the message escaped so one call is one line.
void write(Level level, std::string_view message);

template <typename... Args> void info(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void ok(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::ok, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void warn(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void fail(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::fail, fmt::format(f, std::forward<Args>(args)...));
}

} // namespace qops::commands::log
