#pragma once
// How identity documents (OpenID discovery metadata, JWKS) reach mandate.
// An interface so the authenticator can be tested without a network and so
// the server could supply its own client; CurlJwksFetcher is the real one.
#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace mandate::identity {

struct FetchOptions {
  // CA bundle (PEM) to verify the server with instead of the system's.
  std::optional<std::filesystem::path> ca_file;
  // Plain http:// only when the configuration says so explicitly (tests).
  bool allow_http = false;
  std::chrono::milliseconds timeout{5000};
  // JWKS and discovery documents are a few KiB; the bound keeps a hostile or
  // broken endpoint from filling memory.
  std::size_t max_bytes = 256 * 1024;
};

// What a POST was answered with: any status, for the caller to judge (an
// OAuth token endpoint answers its errors with 400 and a JSON body).
struct HttpAnswer {
  long status = 0;
  std::string body;
};

// Implementations must be safe to call from several threads at once.
class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  // The body of a 200 response to GET `url`, or why there is none. Errors
  // name the URL (configuration, not a secret) and the cause.
  virtual std::expected<std::string, std::string> fetch(const std::string& url, const FetchOptions& options) = 0;
  // POST of an application/x-www-form-urlencoded body (the console redeeming
  // an authorization code at the provider's token endpoint), with an
  // Authorization header when given. Errors name the URL, never the body
  // or the header, which hold secrets. A fetcher that only reads keys
  // (tests without a network) refuses.
  virtual std::expected<HttpAnswer, std::string> post_form(const std::string& url, const std::string& form_body,
                                                           const std::optional<std::string>& authorization,
                                                           const FetchOptions& options) {
    (void)form_body;
    (void)authorization;
    (void)options;
    return std::unexpected("POST " + url + ": this fetcher makes no POST requests");
  }
};

}  // namespace mandate::identity
