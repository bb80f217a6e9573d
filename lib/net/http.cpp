#include "net/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <fmt/format.h>
#include <memory>

namespace qops::net {
namespace {

constexpr std::chrono::milliseconds k_max_connect_timeout{5000};
constexpr size_t k_max_reply_bytes = 64 * 1024;

// curl_global_init once per process, before the first transfer (it is not thread-safe
// and the tools make their transfers from one thread).
Result<void> init_curl() {
    static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) return unavailable(fmt::format("curl_global_init: {}", curl_easy_strerror(rc)));
    return {};
}

struct EasyFree {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct ListFree {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

// One transfer: the easy handle and the header/recipient list it points to.
class Transfer {
public:
    static Result<Transfer> create(std::chrono::milliseconds timeout) {
        if (auto r = init_curl(); !r) return r.error();
        Transfer t;
        t.m_handle.reset(curl_easy_init());
        if (!t.m_handle) return unavailable("cannot initialise a libcurl transfer");
        const auto connect = std::min(timeout, k_max_connect_timeout);
        t.set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect.count()));
        t.set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
        t.set(CURLOPT_NOSIGNAL, 1L);
        return t;
    }

    template <typename T> void set(CURLoption option, T value) { curl_easy_setopt(m_handle.get(), option, value); }
    curl_slist* list(const std::string& item) {
        curl_slist* l = curl_slist_append(m_list.get(), item.c_str());
        if (l != nullptr) {
            (void)m_list.release();
            m_list.reset(l);
        }
        return m_list.get();
    }
    // Runs the transfer; what names the operation in the error.
    Result<long> perform(const std::string& what) {
        const CURLcode rc = curl_easy_perform(m_handle.get());
        if (rc != CURLE_OK)
            return unavailable(fmt::format("{}: {}", what, curl_easy_strerror(rc)),
                               rc == CURLE_OPERATION_TIMEDOUT ? ErrorKind::timeout : ErrorKind::io);
        long status = 0;
        curl_easy_getinfo(m_handle.get(), CURLINFO_RESPONSE_CODE, &status);
        return status;
    }

private:
    Transfer() = default;
    std::unique_ptr<CURL, EasyFree> m_handle;
    std::unique_ptr<curl_slist, ListFree> m_list;
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
    std::copy_n(up->data.data() + up->pos, len, buf);
    up->pos += len;
    return len;
}

} // namespace

Result<HttpResponse> post_json(const std::string& url, const std::string& body, std::chrono::milliseconds timeout) {
    auto t = Transfer::create(timeout);
    if (!t) return t.error();
    Sink reply{{}, k_max_reply_bytes};
    t->set(CURLOPT_URL, url.c_str());
    t->set(CURLOPT_PROTOCOLS_STR, "http,https");
    t->set(CURLOPT_HTTPHEADER, t->list("Content-Type: application/json"));
    t->set(CURLOPT_POSTFIELDS, body.c_str());
    t->set(CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    t->set(CURLOPT_WRITEFUNCTION, &collect);
    t->set(CURLOPT_WRITEDATA, &reply);
    auto status = t->perform("HTTP POST");
    if (!status) return status.error();
    return HttpResponse{*status, std::move(reply.body)};
}

Result<HttpResponse> get(const std::string& url, std::chrono::milliseconds timeout, size_t max_bytes) {
    auto t = Transfer::create(timeout);
    if (!t) return t.error();
    Sink reply{{}, max_bytes};
    t->set(CURLOPT_URL, url.c_str());
    t->set(CURLOPT_PROTOCOLS_STR, "http,https");
    t->set(CURLOPT_WRITEFUNCTION, &collect);
    t->set(CURLOPT_WRITEDATA, &reply);
    auto status = t->perform("HTTP GET");
    if (!status) return status.error();
    return HttpResponse{*status, std::move(reply.body)};
}

Result<void> send_mail(const std::string& smtp_url, const std::string& from, const std::string& to,
                       const std::string& message, std::chrono::milliseconds timeout, StartTls starttls,
                       const std::string& ca_file, const SmtpLogin* login) {
    auto t = Transfer::create(timeout);
    if (!t) return t.error();
    Upload up{message};
    const std::string mail_from = "<" + from + ">";
    t->set(CURLOPT_URL, smtp_url.c_str());
    t->set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    t->set(CURLOPT_MAIL_FROM, mail_from.c_str());
    t->set(CURLOPT_MAIL_RCPT, t->list("<" + to + ">"));
    t->set(CURLOPT_READFUNCTION, &read_upload);
    t->set(CURLOPT_READDATA, &up);
    t->set(CURLOPT_UPLOAD, 1L);
    const long use_ssl = starttls == StartTls::required       ? static_cast<long>(CURLUSESSL_ALL)
                         : starttls == StartTls::when_offered ? static_cast<long>(CURLUSESSL_TRY)
                                                              : static_cast<long>(CURLUSESSL_NONE);
    t->set(CURLOPT_USE_SSL, use_ssl);
    if (!ca_file.empty()) t->set(CURLOPT_CAINFO, ca_file.c_str());
    if (login != nullptr) {
        t->set(CURLOPT_USERNAME, login->user.c_str());
        t->set(CURLOPT_PASSWORD, login->password.c_str());
    }
    auto status = t->perform("mail");
    if (!status) return status.error();
    return {};
}

} // namespace qops::net
