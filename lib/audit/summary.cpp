#include "audit/summary.hpp"

#include "base/time.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace qops::audit {
namespace {

bool real_date(int y, int m, int d) {
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= k_days[m - 1] + (m == 2 && leap ? 1 : 0);
}

} // namespace

Result<std::string> resolve_date(const std::string& text, int64_t now_epoch) {
    if (text == "today") return iso8601_utc(now_epoch).substr(0, 10);
    if (text == "yesterday") return iso8601_utc(now_epoch - 86400).substr(0, 10);
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && text[4] == '-' &&
        text[7] == '-' && real_date(y, m, d))
        return text;
    return usage_error(fmt::format("invalid --date '{}': expected YYYY-MM-DD, today or yesterday", text));
}

Result<Summary> summarize(const std::vector<std::string>& files, const std::string& date, size_t limit) {
    auto day = read_day(files, date, limit);
    if (!day) return day.error();
    return Summary{date, day->count, std::move(day->recent), day->out_of_order, day->scanned_all, {}};
}

std::string title(const std::string& date) {
    return fmt::format("Quantum Trader V3 – Daily Audit Summary ({})", date);
}

std::string render_text(const Summary& s) {
    const std::string rule(60, '=');
    std::string out = title(s.date) + "\n\n" + fmt::format("📊 Total Actions: {}\n\n", s.total);
    if (s.total == 0) {
        out += "No actions recorded.\n\n";
    } else {
        out += "Recent Actions:\n" + rule + "\n";
        if (s.total > s.recent.size())
            out += fmt::format("… {} earlier actions not shown (the {} most recent follow)\n",
                               s.total - s.recent.size(), s.recent.size());
        for (const auto& e : s.recent)
            out += e.text + "\n";
        out += rule + "\n\n";
    }
    if (!s.checkpoint.empty())
        out += "🔏 Audit log checkpoint (audit-log verify --checkpoint FILE checks the log against it):\n" +
               s.checkpoint + (s.checkpoint.ends_with('\n') ? "" : "\n") + "\n";
    out += fmt::format("✅ {} auto-repair actions executed\n", s.total);
    return out;
}

std::string render_json(const Summary& s) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& e : s.recent)
        actions.push_back({{"timestamp", e.timestamp}, {"message", e.message}});
    return nlohmann::json{{"date", s.date},
                          {"title", title(s.date)},
                          {"total", s.total},
                          {"shown", s.recent.size()},
                          {"more", s.total - s.recent.size()},
                          {"out_of_order", s.out_of_order},
                          {"actions", actions},
                          {"checkpoint", s.checkpoint}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace qops::audit
