#include "cli/internal/remote.h"

#include <cctype>
#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "cli/internal/workflow_context.h"
#include "core/error.h"

namespace mandate::cli {
namespace {

constexpr long kConnectTimeoutMs = 10'000;
// Evidence bundles of long tasks are the largest answers; a minute is ample.
constexpr long kTotalTimeoutMs = 60'000;
constexpr std::size_t kMaxAnswerBytes = 256u << 20;

// curl_global_init must run once before any handle; never undone (see
// identity/curl_fetcher.cc for why).
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail(ErrorKind::io, "libcurl failed to initialise");
  });
}

struct EasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using Easy = std::unique_ptr<CURL, EasyFree>;

struct ListFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using HeaderList = std::unique_ptr<curl_slist, ListFree>;

struct Answer {
  long status = 0;
  std::string body;
  bool overflowed = false;
};

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const std::size_t n = size * count;
  if (answer->body.size() + n > kMaxAnswerBytes) {
    answer->overflowed = true;
    return 0;  // curl fails with CURLE_WRITE_ERROR
  }
  answer->body.append(data, n);
  return n;
}

void add_header(HeaderList& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) fail(ErrorKind::io, "out of memory building request headers");
  (void)list.release();
  list.reset(grown);
}

std::string with_query(std::string url, const RemoteCall& call) {
  char separator = '?';
  for (const auto& [name, value] : call.query) {
    url += separator + segment(name) + "=" + segment(value);
    separator = '&';
  }
  return url;
}

// Neither the token nor the Authorization header ever reaches a message:
// curl's error buffer names the host and the failure only.
Answer perform(const std::string& url, const RemoteCall& call, const std::string& authorization,
               const RemoteOptions& tls) {
  Easy curl(curl_easy_init());
  if (!curl) fail(ErrorKind::io, "cannot create a libcurl handle");
  HeaderList headers;
  if (!authorization.empty()) add_header(headers, authorization);
  if (!call.content_type.empty()) add_header(headers, "Content-Type: " + call.content_type);
  add_header(headers, "Expect:");  // no 100-continue round trip for large bodies
  for (const auto& [name, value] : call.headers) add_header(headers, name + ": " + value);

  Answer answer;
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  bool ok = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, kTotalTimeoutMs) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_USERAGENT, "mandate-cli") == CURLE_OK;
  if (ok && call.method != "GET") {
    ok = curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data()) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size())) == CURLE_OK;
  }
  if (ok && !tls.cert.empty()) ok = curl_easy_setopt(c, CURLOPT_SSLCERT, tls.cert.c_str()) == CURLE_OK;
  if (ok && !tls.key.empty()) ok = curl_easy_setopt(c, CURLOPT_SSLKEY, tls.key.c_str()) == CURLE_OK;
  if (ok && !tls.ca.empty()) ok = curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca.c_str()) == CURLE_OK;
  if (!ok) fail(ErrorKind::io, "libcurl refused an option (too old a libcurl?)");

  const CURLcode code = curl_easy_perform(c);
  if (answer.overflowed) fail(ErrorKind::io, call.method + " " + call.path + ": the answer exceeds 256 MiB");
  if (code != CURLE_OK) {
    fail(ErrorKind::io, "cannot reach the server (" + call.method + " " + call.path + "): " +
                            (error[0] != '\0' ? std::string(error) : curl_easy_strerror(code)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

// The server answers every error as {"error": message}.
std::string server_message(const Answer& answer) {
  const auto body = nlohmann::json::parse(answer.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) return body["error"].get<std::string>();
  return "no explanation given";
}

[[noreturn]] void fail_with(const RemoteCall& call, const Answer& answer) {
  const long s = answer.status;
  const std::string where = " (HTTP " + std::to_string(s) + " from " + call.method + " " + call.path + ")";
  // A redirect is not followed: it would carry the credential elsewhere.
  if (s >= 300 && s < 400) fail(ErrorKind::bad_input, "the server redirects; give its final URL with --server" + where);
  const std::string message = server_message(answer) + where;
  fail(kind_of_http_status(static_cast<int>(s)), message);
}

std::string base_url(std::string url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    fail(ErrorKind::bad_input, "--server must be an http:// or https:// URL");
  }
  const auto authority = url.substr(url.find("//") + 2);
  if (authority.substr(0, authority.find('/')).find('@') != std::string::npos) {
    fail(ErrorKind::bad_input, "--server: credentials go in --token or --cert, not in the URL");
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

// Plain http would carry the credential in the clear: allowed to this
// machine only (a server on loopback, or a test).
bool loopback(const std::string& base) {
  const auto authority = base.substr(base.find("//") + 2);
  const std::string host = authority.substr(0, authority.find('/'));
  for (const std::string_view name : {"localhost", "127.0.0.1", "[::1]"}) {
    if (host == name || host.starts_with(std::string(name) + ":")) return true;
  }
  return false;
}

std::string authorization_header(const RemoteOptions& options) {
  if (options.token.empty()) return {};
  const std::string token = argument_value(options.token, "--token");
  if (token.empty()) fail(ErrorKind::bad_input, "--token is empty");
  if (token.find_first_of("\r\n \t") != std::string::npos) {
    fail(ErrorKind::bad_input, "--token: a bearer token holds no whitespace or line breaks");
  }
  return "Authorization: Bearer " + token;
}

}  // namespace

std::string segment(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : id) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

RemoteClient::RemoteClient(const RemoteOptions& options)
    : base_(base_url(options.server)), authorization_(authorization_header(options)), tls_(options) {
  if (base_.starts_with("http://") && !loopback(base_) && (!authorization_.empty() || !options.cert.empty())) {
    fail(ErrorKind::bad_input, "--server: credentials are sent over https:// only (plain http:// is for this machine)");
  }
  init_curl_once();
}

std::string RemoteClient::text(const RemoteCall& call) const {
  const Answer answer = perform(with_query(base_ + call.path, call), call, authorization_, tls_);
  if (answer.status < 200 || answer.status >= 300) fail_with(call, answer);
  return answer.body;
}

nlohmann::json RemoteClient::json(const RemoteCall& call) const {
  auto body = nlohmann::json::parse(text(call), nullptr, false);
  if (body.is_discarded()) fail(ErrorKind::io, call.method + " " + call.path + ": the server's answer is not JSON");
  return body;
}

void print_remote(const GlobalOptions& options, const RemoteCall& call) {
  print_json(RemoteClient(options.remote).json(call));
}

}  // namespace mandate::cli
