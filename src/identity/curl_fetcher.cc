#include "identity/curl_fetcher.h"
#include "core/error.h"

#include <memory>
#include <mutex>
#include <stdexcept>

#include <curl/curl.h>

namespace mandate::identity {
namespace {

using Refusal = std::unexpected<std::string>;

// curl_global_init is not thread-safe and must run once before any handle
// is made; a once_flag does that on first use without a global constructor.
// It is never undone: curl_global_cleanup at exit would race with other
// threads still holding handles, and the OS reclaims the memory anyway.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail(ErrorKind::internal, "curl_global_init failed");
  });
}

struct EasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using Easy = std::unique_ptr<CURL, EasyFree>;

struct Body {
  std::string text;
  std::size_t limit = 0;
  bool overflowed = false;
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const std::size_t n = size * count;
  if (body->text.size() + n > body->limit) {
    body->overflowed = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  body->text.append(data, n);
  return n;
}

bool is_http(const std::string& url) { return url.rfind("http://", 0) == 0; }
bool is_https(const std::string& url) { return url.rfind("https://", 0) == 0; }

// Applies every option; false if libcurl refused one (too old a libcurl).
bool configure(CURL* curl, const std::string& url, const FetchOptions& options, Body& body, char* error) {
  const long timeout_ms = static_cast<long>(options.timeout.count());
  const char* protocols = options.allow_http ? "http,https" : "https";
  bool ok = curl_easy_setopt(curl, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) == CURLE_OK &&
            // Signals are process-wide; threads must not use them for timeouts.
            curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes)) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_USERAGENT, "mandate") == CURLE_OK;
  if (ok && options.ca_file) ok = curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file->c_str()) == CURLE_OK;
  return ok;
}

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

// One request: a handle with every option set, and what it receives.
// Held by pointer: libcurl keeps the addresses of `body` and `error`.
struct Transfer {
  std::string what;  // "GET url", "POST url": the start of every message
  Easy curl;
  Body body;
  char error[CURL_ERROR_SIZE] = {};
};

std::expected<std::unique_ptr<Transfer>, std::string> prepare(std::string what, const std::string& url,
                                                              const FetchOptions& options) {
  if (!is_https(url) && !(options.allow_http && is_http(url))) {
    return Refusal(what + ": only https:// URLs are fetched (allow_http is for tests)");
  }
  auto t = std::make_unique<Transfer>();
  t->what = std::move(what);
  t->curl.reset(curl_easy_init());
  if (!t->curl) return Refusal(t->what + ": cannot create a libcurl handle");
  t->body.limit = options.max_bytes;
  if (!configure(t->curl.get(), url, options, t->body, t->error)) return Refusal(t->what + ": libcurl refused an option");
  return t;
}

// Its status and body, or why there is none.
std::expected<HttpAnswer, std::string> perform(Transfer& t) {
  const CURLcode code = curl_easy_perform(t.curl.get());
  if (t.body.overflowed || code == CURLE_FILESIZE_EXCEEDED) {
    return Refusal(t.what + ": the response exceeds " + std::to_string(t.body.limit) + " bytes");
  }
  if (code != CURLE_OK) return Refusal(t.what + ": " + (t.error[0] != '\0' ? std::string(t.error) : curl_easy_strerror(code)));
  long status = 0;
  curl_easy_getinfo(t.curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return HttpAnswer{status, std::move(t.body.text)};
}

}  // namespace

CurlJwksFetcher::CurlJwksFetcher() { init_curl_once(); }

std::expected<std::string, std::string> CurlJwksFetcher::fetch(const std::string& url, const FetchOptions& options) {
  auto t = prepare("GET " + url, url, options);
  if (!t) return std::unexpected(t.error());
  auto answer = perform(**t);
  if (!answer) return std::unexpected(answer.error());
  if (answer->status != 200) return Refusal((*t)->what + ": HTTP status " + std::to_string(answer->status));
  return std::move(answer->body);
}

std::expected<HttpAnswer, std::string> CurlJwksFetcher::post_form(const std::string& url, const std::string& form_body,
                                                                  const std::optional<std::string>& authorization,
                                                                  const FetchOptions& options) {
  auto t = prepare("POST " + url, url, options);
  if (!t) return std::unexpected(t.error());
  CURL* curl = (*t)->curl.get();
  // The header list is built by appending; each append may fail (memory).
  Slist headers(curl_slist_append(nullptr, "Content-Type: application/x-www-form-urlencoded"));
  bool ok = headers != nullptr;
  if (ok) ok = curl_slist_append(headers.get(), "Accept: application/json") != nullptr;
  const std::string auth_header = authorization ? "Authorization: " + *authorization : std::string();
  if (ok && authorization) ok = curl_slist_append(headers.get(), auth_header.c_str()) != nullptr;
  ok = ok && curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(form_body.size())) == CURLE_OK &&
       curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form_body.c_str()) == CURLE_OK;
  if (!ok) return Refusal((*t)->what + ": libcurl refused an option");
  return perform(**t);
}

}  // namespace mandate::identity
