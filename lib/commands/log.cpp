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
// working, plus the fields journalctl can filter on (QUANTUM_TOOL=, QUANTUM_LEVEL=).
bool send_to_journal(Level level, const std::string& line) {
    std::vector<std::string> fields;
    fields.push_back("MESSAGE=" + line);
    fields.push_back(fmt::format("PRIORITY={}", priority(level)));
    fields.push_back("SYSLOG_IDENTIFIER=" + g_tool);
    fields.push_back("QUANTUM_TOOL=" + g_tool);
    fields.push_back(fmt::format("QUANTUM_LEVEL={}", level_name(level)));
    std::vector<iovec> iov;
    for (const auto& f : fields)
        iov.push_back({const_cast<char*>(f.data()), f.size()}); // NOLINT: sendv only reads
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

} // namespace

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

void write(Level level, std::string_view message) {
    static const bool journal = stderr_is_journal();
    if (journal && send_to_journal(level, fmt::format("[{}] {}: {}", g_tag, level_name(level), text::escape(message))))
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
