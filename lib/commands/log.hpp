#pragma once
// The contract's log lines on stderr:
//   YYYY-MM-DD HH:MM:SS [TAG] LEVEL: message
// or, when stderr is the journal ($JOURNAL_STREAM names our stderr), a journal entry with
// MESSAGE=[TAG] LEVEL: message, its priority, QUANTUM_TOOL= and QUANTUM_LEVEL= (or, if the
// journal refuses it, "<N>[TAG] LEVEL: message" on stderr, N the sd-daemon priority).
// An event (log::event) adds MESSAGE_ID= (commands/message_ids.hpp, explained by the
// journal catalog) and its figures as fields, e.g. QUANTUM_POLICY_SEQ=; MESSAGE is the same.
// Only the command layer logs; the library below it returns errors and data.
// Every message is escaped (base/text.hpp): a value quoted from outside cannot break the
// line or reach the terminal as a control sequence.

#include "commands/message_ids.hpp"

#include <fmt/format.h>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace qops::commands::log {

enum class Level { info, ok, warn, fail };

// Sets the tool ("policy-refresh") and tag ("POLICY-REFRESH") of every following line.
void set_identity(std::string tool, std::string tag);

// True when stderr is connected to the journal, as $JOURNAL_STREAM says.
bool stderr_is_journal();

// Formats one log line (without the trailing newline). Exposed for tests.
std::string format_line(Level level, std::string_view tag, std::string_view message, bool journal,
                        long long epoch_seconds);

// One figure of an event, as the journal field NAME=value.
struct Field {
    std::string name; // upper case letters, digits and '_', not starting with '_' or a digit
    std::string value;
    Field(std::string n, std::string v) : name(std::move(n)), value(std::move(v)) {}
    Field(std::string n, std::string_view v) : name(std::move(n)), value(v) {}
    Field(std::string n, const char* v) : name(std::move(n)), value(v) {}
    template <std::integral T> Field(std::string n, T v) : name(std::move(n)), value(std::to_string(v)) {}
};
using Fields = std::vector<Field>;

// A kind of event and its figures: what a structured journal entry adds to the line.
struct Event {
    ids::MessageId id;
    Fields fields;
};

// True for a name the journal accepts as a field of ours (see Field::name).
bool valid_field_name(std::string_view name);

// The fields of the journal entry of one line (MESSAGE= first). Fields with names the
// journal would refuse are left out, so a bad name cannot lose the line. Exposed for tests.
std::vector<std::string> journal_fields(Level level, std::string_view line, const Event* event);

// Writes one line, the message escaped so one call is one line: under systemd (stderr is
// the journal) as a structured entry with QUANTUM_TOOL=, QUANTUM_LEVEL= and the event's
// MESSAGE_ID= and fields, else to stderr (where the event adds nothing).
void write(Level level, std::string_view message, const Event* event = nullptr);

// One line of a kind of event: log::event(Level::ok, ids::policy_stored,
// {{"QUANTUM_POLICY_SEQ", seq}}, "Policy validated: seq={}", seq).
template <typename... Args>
void event(Level level, ids::MessageId id, Fields fields, fmt::format_string<Args...> f, Args&&... args) {
    const Event e{id, std::move(fields)};
    write(level, fmt::format(f, std::forward<Args>(args)...), &e);
}

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
