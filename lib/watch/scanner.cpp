#include "watch/scanner.hpp"

#include "systemd/journal.hpp"

#include <string_view>

namespace qops::watch {
namespace {

// A file vacuumed or rotated under us makes a step fail; the step is counted and
// skipped. More than this many failures in a row ends the scan instead of spinning.
constexpr int k_max_consecutive_step_errors = 16;

} // namespace

Result<ScanResult> scan(const Source& source, const ScanRequest& req) {
    auto opened =
        source.directory.empty() ? systemd::Journal::open_local() : systemd::Journal::open_directory(source.directory);
    if (!opened) return opened.error();
    systemd::Journal& j = *opened;

    ScanResult out;
    out.cutoff_usec = j.cutoff_realtime();
    if (auto m = j.match_unit(req.unit); !m) return m.error();
    out.cursor_found = j.seek_after_cursor(req.after_cursor);
    if (!out.cursor_found)
        if (auto r = j.seek_realtime(req.since_usec); !r) return r.error();

    int errors_in_a_row = 0;
    bool on_entry = false;
    for (;;) {
        const auto step = j.next();
        if (step == systemd::Journal::Step::end) break;
        if (step == systemd::Journal::Step::unreadable) {
            ++out.unreadable;
            if (++errors_in_a_row > k_max_consecutive_step_errors) break;
            continue;
        }
        errors_in_a_row = 0;
        const auto realtime = j.realtime();
        if (!realtime) {
            ++out.unreadable;
            continue;
        }
        on_entry = true;
        ++out.examined;
        out.end_usec = *realtime;
        auto message = j.field("MESSAGE");
        if (!message) {
            ++out.unreadable;
            continue;
        }
        if (!*message || (*message)->find(req.pattern) == std::string_view::npos) continue;

        ++out.matched;
        if (out.matched == 1) {
            out.first_usec = *realtime;
            out.first_cursor = j.cursor();
        }
        out.last_usec = *realtime;
        out.last_cursor = j.cursor();
        if (out.samples.size() < req.max_samples) {
            Sample s;
            s.realtime_usec = *realtime;
            s.message = std::string((*message)->substr(0, k_max_sample_bytes));
            if (auto host = j.field("_HOSTNAME"); host && *host) s.hostname = std::string(**host);
            out.samples.push_back(std::move(s));
        }
    }
    // When next() finds nothing more it leaves the journal on the last entry read.
    if (on_entry) out.end_cursor = j.cursor();
    return out;
}

} // namespace qops::watch
