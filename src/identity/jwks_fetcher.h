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

// Implementations must be safe to call from several threads at once.
class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  // The body of a 200 response to GET `url`, or why there is none. Errors
  // name the URL (configuration, not a secret) and the cause.
  virtual std::expected<std::string, std::string> fetch(const std::string& url, const FetchOptions& options) = 0;
};

}  // namespace mandate::identity
