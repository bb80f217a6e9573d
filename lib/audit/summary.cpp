#include "audit/summary.hpp"

#include "util/time.hpp"

#include <curl/curl.h>

#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

namespace qops::audit {
namespace {

constexpr size_t k_discord_limit = 1900; // Discord refuses content over 2000 characters

struct CurlDeleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

CurlPtr make_curl(std::chrono::milliseconds timeout) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    CurlPtr c(curl_easy_init());
    if (!c) return c;
    curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<long long>(timeout.count(), 5000)));
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
    return c;
}

bool real_date(int y, int m, int d) {
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= k_days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// RFC 2047 encoded-word for a UTF-8 header value.
std::string mime_header(const std::string& value) {
    static constexpr char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(value.data());
    for (; i + 2 < value.size(); i += 3) {
        const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
        out += {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], k_b64[(v >> 6) & 63], k_b64[v & 63]};
    }
    if (i + 1 == value.size()) {
        const unsigned v = p[i] << 16;
        out += {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == value.size()) {
        const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
        out += {k_b64[(v >> 18) & 63], k_b64[(v >> 12) & 63], k_b64[(v >> 6) & 63], '='};
    }
    return "=?UTF-8?B?" + out + "?=";
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Upload {
    std::string data;
    size_t pos = 0;
};
size_t read_upload(char* buf, size_t size, size_t n, void* user) {
    auto* u = static_cast<Upload*>(user);
    const size_t len = std::min(size * n, u->data.size() - u->pos);
    std::memcpy(buf, u->data.data() + u->pos, len);
    u->pos += len;
    return len;
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
    return Error{ExitCode::usage, fmt::format("invalid --date '{}': expected YYYY-MM-DD, today or yesterday", text)};
}

Result<Summary> summarize(const std::string& log, const std::string& date, size_t limit) {
    auto range = find_day(log, date);
    if (!range) return range.error();
    auto entries = read_range(log, *range, limit);
    if (!entries) return entries.error();
    return Summary{date, entries->count, std::move(entries->recent)};
}

std::string title(const std::string& date) { return fmt::format("Quantum Trader V3 – Daily Audit Summary ({})", date); }

std::string render_text(const Summary& s) {
    const std::string rule(60, '=');
    std::string out = title(s.date) + "\n\n" + fmt::format("📊 Total Actions: {}\n\n", s.total);
    if (s.total == 0) {
        out += "No actions recorded.\n\n";
    } else {
        out += "Recent Actions:\n" + rule + "\n";
        if (s.total > s.recent.size())
            out += fmt::format("… {} earlier actions not shown (the {} most recent follow)\n", s.total - s.recent.size(),
                               s.recent.size());
        for (const auto& e : s.recent) out += e.text + "\n";
        out += rule + "\n\n";
    }
    out += fmt::format("✅ {} auto-repair actions executed\n", s.total);
    return out;
}

std::string render_json(const Summary& s) {
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& e : s.recent) actions.push_back({{"timestamp", e.timestamp}, {"message", e.message}});
    return nlohmann::json{{"date", s.date},
                          {"title", title(s.date)},
                          {"total", s.total},
                          {"shown", s.recent.size()},
                          {"more", s.total - s.recent.size()},
                          {"actions", actions}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<void> post_webhook(const std::string& url, const std::string& text, std::chrono::milliseconds timeout) {
    auto c = make_curl(timeout);
    if (!c) return Error{ExitCode::unavailable, "cannot initialise libcurl"};
    std::string content = text.size() > k_discord_limit ? text.substr(0, k_discord_limit) + "\n…" : text;
    const std::string body = nlohmann::json{{"text", text}, {"content", content}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    SlistPtr headers(curl_slist_append(nullptr, "Content-Type: application/json"));
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &discard);
    const CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) return Error{ExitCode::unavailable, fmt::format("webhook: {}", curl_easy_strerror(rc))};
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) return Error{ExitCode::unavailable, fmt::format("webhook: HTTP {}", status)};
    return {};
}

Result<void> send_mail(const std::string& server, const std::string& port, const std::string& from,
                       const std::string& to, const std::string& subject, const std::string& body,
                       std::chrono::milliseconds timeout) {
    auto c = make_curl(timeout);
    if (!c) return Error{ExitCode::unavailable, "cannot initialise libcurl"};
    Upload up;
    up.data = fmt::format("Date: {}\r\nFrom: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nMIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
                          human_utc(now_epoch_seconds()) + " +0000", from, to, mime_header(subject));
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\n') up.data += "\r\n";
        else up.data += body[i];
    }
    SlistPtr rcpt(curl_slist_append(nullptr, ("<" + to + ">").c_str()));
    const std::string url = fmt::format("smtp://{}:{}", server, port);
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, ("<" + from + ">").c_str());
    curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(c.get(), CURLOPT_READDATA, &up);
    curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
    const CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) return Error{ExitCode::unavailable, fmt::format("mail via {}: {}", url, curl_easy_strerror(rc))};
    return {};
}

} // namespace qops::audit
