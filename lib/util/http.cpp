#include "util/http.hpp"

#include "util/shared_library.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <memory>

namespace qops::http {
namespace {

constexpr std::chrono::milliseconds k_max_connect_timeout{5000};

// The libcurl entry points this module uses, resolved once from the shared object.
struct Curl {
    decltype(&::curl_global_init) global_init = nullptr;
    decltype(&::curl_easy_init) easy_init = nullptr;
    decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&::curl_easy_setopt) easy_setopt = nullptr;
    decltype(&::curl_easy_perform) easy_perform = nullptr;
    decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&::curl_easy_strerror) easy_strerror = nullptr;
    decltype(&::curl_slist_append) slist_append = nullptr;
    decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

Result<Curl> load_curl() {
    auto lib = SharedLibrary::open("libcurl.so.4", "libcurl4");
    if (!lib) return lib.error();
    Curl api;
    for (auto r : {lib->get("curl_global_init", api.global_init), lib->get("curl_easy_init", api.easy_init),
                   lib->get("curl_easy_cleanup", api.easy_cleanup), lib->get("curl_easy_setopt", api.easy_setopt),
                   lib->get("curl_easy_perform", api.easy_perform), lib->get("curl_easy_getinfo", api.easy_getinfo),
                   lib->get("curl_easy_strerror", api.easy_strerror), lib->get("curl_slist_append", api.slist_append),
                   lib->get("curl_slist_free_all", api.slist_free_all)})
        if (!r) return r.error();
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return Error{ExitCode::unavailable, "curl_global_init failed"};
    return api;
}

// libcurl, loaded and initialised once per process.
Result<const Curl*> curl_api() {
    static const Result<Curl> api = load_curl();
    if (!api) return api.error();
    return &*api;
}

// One transfer: the easy handle and the header/recipient list it points to.
class Transfer {
public:
    Transfer(const Curl& api, std::chrono::milliseconds timeout) : m_api(api), m_handle(api.easy_init()) {
        if (m_handle == nullptr) return;
        const auto connect = std::min(timeout, k_max_connect_timeout);
        m_api.easy_setopt(m_handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect.count()));
        m_api.easy_setopt(m_handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
        m_api.easy_setopt(m_handle, CURLOPT_NOSIGNAL, 1L);
    }
    ~Transfer() {
        if (m_list != nullptr) m_api.slist_free_all(m_list);
        if (m_handle != nullptr) m_api.easy_cleanup(m_handle);
    }
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    bool valid() const { return m_handle != nullptr; }
    template <typename T>
    void set(CURLoption option, T value) {
        m_api.easy_setopt(m_handle, option, value);
    }
    curl_slist* list(const std::string& item) {
        m_list = m_api.slist_append(m_list, item.c_str());
        return m_list;
    }
    // Runs the transfer; what names the operation in the error.
    Result<long> perform(const std::string& what) {
        const CURLcode rc = m_api.easy_perform(m_handle);
        if (rc != CURLE_OK) return Error{ExitCode::unavailable, fmt::format("{}: {}", what, m_api.easy_strerror(rc))};
        long status = 0;
        m_api.easy_getinfo(m_handle, CURLINFO_RESPONSE_CODE, &status);
        return status;
    }

private:
    const Curl& m_api;
    CURL* m_handle;
    curl_slist* m_list = nullptr;
};

struct Sink {
    std::string body;
    size_t max_bytes;
};
size_t collect(char* data, size_t size, size_t n, void* user) {
    auto* sink = static_cast<Sink*>(user);
    if (sink->body.size() + size * n > sink->max_bytes) return 0; // aborts the transfer
    sink->body.append(data, size * n);
    return size * n;
}

struct Upload {
    const std::string& data;
    size_t pos = 0;
};
size_t read_upload(char* buf, size_t size, size_t n, void* user) {
    auto* up = static_cast<Upload*>(user);
    const size_t len = std::min(size * n, up->data.size() - up->pos);
    std::memcpy(buf, up->data.data() + up->pos, len);
    up->pos += len;
    return len;
}

constexpr size_t k_max_reply_bytes = 64 * 1024;

} // namespace

Result<HttpResponse> post_json(const std::string& url, const std::string& body, std::chrono::milliseconds timeout) {
    auto api = curl_api();
    if (!api) return api.error();
    Transfer t(**api, timeout);
    if (!t.valid()) return Error{ExitCode::unavailable, "cannot initialise a libcurl transfer"};
    Sink reply{{}, k_max_reply_bytes};
    t.set(CURLOPT_URL, url.c_str());
    t.set(CURLOPT_PROTOCOLS_STR, "http,https");
    t.set(CURLOPT_HTTPHEADER, t.list("Content-Type: application/json"));
    t.set(CURLOPT_POSTFIELDS, body.c_str());
    t.set(CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    t.set(CURLOPT_WRITEFUNCTION, &collect);
    t.set(CURLOPT_WRITEDATA, &reply);
    auto status = t.perform("HTTP POST");
    if (!status) return status.error();
    return HttpResponse{*status, std::move(reply.body)};
}

Result<HttpResponse> get(const std::string& url, std::chrono::milliseconds timeout, size_t max_bytes) {
    auto api = curl_api();
    if (!api) return api.error();
    Transfer t(**api, timeout);
    if (!t.valid()) return Error{ExitCode::unavailable, "cannot initialise a libcurl transfer"};
    Sink reply{{}, max_bytes};
    t.set(CURLOPT_URL, url.c_str());
    t.set(CURLOPT_PROTOCOLS_STR, "http,https");
    t.set(CURLOPT_WRITEFUNCTION, &collect);
    t.set(CURLOPT_WRITEDATA, &reply);
    auto status = t.perform("HTTP GET");
    if (!status) return status.error();
    return HttpResponse{*status, std::move(reply.body)};
}

Result<void> send_mail(const std::string& smtp_url, const std::string& from, const std::string& to,
                       const std::string& message, std::chrono::milliseconds timeout) {
    auto api = curl_api();
    if (!api) return api.error();
    Transfer t(**api, timeout);
    if (!t.valid()) return Error{ExitCode::unavailable, "cannot initialise a libcurl transfer"};
    Upload up{message};
    const std::string mail_from = "<" + from + ">";
    t.set(CURLOPT_URL, smtp_url.c_str());
    t.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    t.set(CURLOPT_MAIL_FROM, mail_from.c_str());
    t.set(CURLOPT_MAIL_RCPT, t.list("<" + to + ">"));
    t.set(CURLOPT_READFUNCTION, &read_upload);
    t.set(CURLOPT_READDATA, &up);
    t.set(CURLOPT_UPLOAD, 1L);
    auto status = t.perform(fmt::format("mail via {}", smtp_url));
    if (!status) return status.error();
    return {};
}

} // namespace qops::http
