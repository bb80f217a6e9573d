#include "commands/log.hpp"

#include "base/text.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace qops::commands::log {
namespace {

std::string g_tag = "QUANTUM";
std::string g_tool = "quantum-ops";

std::string_view level_name(Level level) {
    switch (level) {
    case Level::info:
        return "INFO";
    case Level::ok:
        return "OK";
    case Level::warn:
        return "WARN";
    case Level::fail:
        return "FAIL";
    }
    return "INFO";
}

// syslog priorities, as the journal and sd-daemon's "<N>" prefixes use them: info,
// warning, err.
char priority(Level level) {
    switch (level) {
    case Level::info:
    case Level::ok:
        return '6';
    case Level::warn:
        return '4';
    case Level::fail:
        return '3';
    }
    return '6';
}

// One structured journal entry: MESSAGE as the stream would have had it, so greps keep
// working, plus the fields journalctl can filter on.
bool send_to_journal(Level level, const std::string& line, const Event* event) {
    const std::vector<std::string> fields = journal_fields(level, line, event);
    std::vector<iovec> iov;
    for (const auto& f : fields)
        iov.push_back({const_cast<char*>(f.data()), f.size()}); // NOLINT: sendv only reads
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

// The journal's own fields and those our entries always carry: an event cannot set them.
bool reserved_field(std::string_view name) {
    return name == "MESSAGE" || name == "MESSAGE_ID" || name == "PRIORITY" || name == "SYSLOG_IDENTIFIER" ||
           name == "QUANTUM_TOOL" || name == "QUANTUM_LEVEL";
}

} // namespace

bool valid_field_name(std::string_view name) {
    // journald's limit on field names is 64 bytes; a leading '_' is a trusted field.
    if (name.empty() || name.size() > 64 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

std::vector<std::string> journal_fields(Level level, std::string_view line, const Event* event) {
    std::vector<std::string> fields;
    fields.push_back(fmt::format("MESSAGE={}", line));
    fields.push_back(fmt::format("PRIORITY={}", priority(level)));
    fields.push_back("SYSLOG_IDENTIFIER=" + g_tool);
    fields.push_back("QUANTUM_TOOL=" + g_tool);
    fields.push_back(fmt::format("QUANTUM_LEVEL={}", level_name(level)));
    if (event == nullptr) return fields;
    fields.push_back(fmt::format("MESSAGE_ID={}", event->id.hex));
    for (const auto& f : event->fields)
        if (valid_field_name(f.name) && !reserved_field(f.name)) fields.push_back(f.name + "=" + f.value);
    return fields;
}

void set_identity(std::string tool, std::string tag) {
    g_tool = std::move(tool);
    g_tag = std::move(tag);
}

bool stderr_is_journal() {
    // systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it connected; it is
    // inherited by children whose stderr may be redirected, so compare with fd 2.
    const char* env = std::getenv("JOURNAL_STREAM");
    if (env == nullptr || *env == '\0') return false;
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return st.st_dev == dev && st.st_ino == ino;
}

std::string format_line(Level level, std::string_view tag, std::string_view message, bool journal,
                        long long epoch_seconds) {
    const std::string body = text::escape(message);
    if (journal) return fmt::format("<{}>[{}] {}: {}", priority(level), tag, level_name(level), body);
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    return fmt::format("{} [{}] {}: {}", stamp, tag, level_name(level), body);
}

void write(Level level, std::string_view message, const Event* event) {
    static const bool journal = stderr_is_journal();
    if (journal &&
        send_to_journal(level, fmt::format("[{}] {}: {}", g_tag, level_name(level), text::escape(message)), event))
        return;
    std::string line = format_line(level, g_tag, message, journal, static_cast<long long>(std::time(nullptr)));
    line += '\n';
    // One write(2) per line so concurrent processes sharing stderr do not interleave.
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<size_t>(n);
    }
}

} // namespace qops::commands::log
