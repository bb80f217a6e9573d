#pragma once
// The contract's log lines on stderr:
//   YYYY-MM-DD HH:MM:SS [TAG] LEVEL: message
// or, when stderr is the journal ($JOURNAL_STREAM names our stderr), a journal entry with
// MESSAGE=[TAG] LEVEL: message, its priority, QUANTUM_TOOL= and QUANTUM_LEVEL= (or, if the
// journal refuses it, "<N>[TAG] LEVEL: message" on stderr, N the sd-daemon priority).
// Only the command layer logs; the library below it returns errors and data.
// Every message is escaped (base/text.hpp): a value quoted from outside cannot break the
// line or reach the terminal as a control sequence.

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace qops::commands::log {

enum class Level { info, ok, warn, fail };

// Sets the tool ("policy-refresh") and tag ("POLICY-REFRESH") of every following line.
void set_identity(std::string tool, std::string tag);

// True when stderr is connected to the journal, as $JOURNAL_STREAM says.
bool stderr_is_journal();

// Formats one log line (without the trailing newline). Exposed for tests.
std::string format_line(Level level, std::string_view tag, std::string_view message, bool journal,
                        long long epoch_seconds);

// Writes one line, the message escaped so one call is one line: under systemd (stderr is
// the journal) as a structured entry with QUANTUM_TOOL= and QUANTUM_LEVEL=, else to stderr.
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
