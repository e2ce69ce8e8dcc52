#include "notify/internal/sender.h"

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>

#include "core/error.h"

namespace mandate::notify {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The answer's body is not read by anyone: dropped as it comes.
std::size_t drop(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct Stopping {
  std::stop_token stop;
  std::chrono::milliseconds grace;
  std::optional<std::chrono::steady_clock::time_point> since;
};

// Called by libcurl while it waits: a non-zero answer aborts the transfer,
// so a stopping server does not wait out a slow endpoint's timeout.
int abort_when_stopping(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& s = *static_cast<Stopping*>(user);
  if (!s.stop.stop_requested()) return 0;
  const auto now = std::chrono::steady_clock::now();
  if (!s.since) s.since = now;
  return now - *s.since > s.grace ? 1 : 0;
}

class CurlSender final : public Sender {
 public:
  CurlSender() {
    // curl_global_init must run before the first handle and is not
    // thread-safe: a function-local static runs it once, from whichever
    // thread builds the first sender (the server's main thread). Never undone.
    static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (initialised != CURLE_OK) fail(ErrorKind::internal, "libcurl failed to initialise");
  }

  PostResult post(const Post& post, std::stop_token stop) override {
    std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
    if (!handle) return {0, "cannot create a libcurl handle", std::nullopt, false};
    CURL* curl = handle.get();
    std::unique_ptr<curl_slist, CurlDeleter> headers;
    auto add_header = [&headers](const std::string& line) {
      curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
      if (grown == nullptr) return false;
      static_cast<void>(headers.release());  // grown is the same list, longer
      headers.reset(grown);
      return true;
    };
    bool added = add_header("Expect:");  // no 100-continue round trip
    for (const auto& [name, value] : post.headers) added = added && add_header(name + ": " + value);
    if (!added) return {0, "out of memory for headers", std::nullopt, false};
    Stopping stopping{std::move(stop), post.stop_grace, std::nullopt};
    char error[CURL_ERROR_SIZE] = {};
    const long timeout_ms = static_cast<long>(post.timeout.count());
    CURLcode set = CURLE_OK;
    auto option = [&](CURLoption what, auto value) {
      if (set == CURLE_OK) set = curl_easy_setopt(curl, what, value);
    };
    option(CURLOPT_URL, post.url.c_str());
    option(CURLOPT_PROTOCOLS_STR, "http,https");
    option(CURLOPT_FOLLOWLOCATION, 0L);
    option(CURLOPT_SSL_VERIFYPEER, 1L);
    option(CURLOPT_SSL_VERIFYHOST, 2L);
    if (post.ca_file) option(CURLOPT_CAINFO, post.ca_file->c_str());
    option(CURLOPT_TIMEOUT_MS, timeout_ms);
    option(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    option(CURLOPT_NOSIGNAL, 1L);  // timeouts without signals: this runs on a thread of its own
    option(CURLOPT_HTTPHEADER, headers.get());
    option(CURLOPT_POSTFIELDS, post.body.data());
    option(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
    option(CURLOPT_WRITEFUNCTION, &drop);
    option(CURLOPT_XFERINFOFUNCTION, &abort_when_stopping);
    option(CURLOPT_XFERINFODATA, &stopping);
    option(CURLOPT_NOPROGRESS, 0L);
    option(CURLOPT_ERRORBUFFER, error);
    option(CURLOPT_USERAGENT, "mandate");
    if (set != CURLE_OK) return {0, std::string("libcurl refused an option: ") + curl_easy_strerror(set), std::nullopt, false};

    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_ABORTED_BY_CALLBACK) return {0, "stopped", std::nullopt, true};
    if (code != CURLE_OK) return {0, error[0] != '\0' ? std::string(error) : curl_easy_strerror(code), std::nullopt, false};
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    PostResult result{static_cast<int>(status), "", std::nullopt, false};
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0) {
      result.retry_after = std::chrono::seconds(retry_after);
    }
    return result;
  }
};

}  // namespace

std::shared_ptr<Sender> curl_sender() { return std::make_shared<CurlSender>(); }

}  // namespace mandate::notify
