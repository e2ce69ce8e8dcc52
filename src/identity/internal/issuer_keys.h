#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// One JWT issuer's signing keys: fetched on first use (OpenID discovery
// unless a jwks_uri or a JWKS file is configured), kept for cache_ttl, and
// fetched again when a token names an unknown kid — at most once per
// refresh_interval, so a flood of made-up kids costs the identity provider
// one request per interval, not one per token.
#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identity/clock.h"
#include "identity/config.h"
#include "identity/jwks_fetcher.h"
#include "identity/internal/verification_key.h"

namespace mandate::identity {

struct KeyTiming {
  std::chrono::seconds refresh_interval{60};
  std::chrono::seconds cache_ttl{3600};
  std::chrono::milliseconds fetch_timeout{5000};
};

class IssuerKeys {
 public:
  // `issuer` is used for discovery and in messages; it may be empty only when
  // `source` has a jwks_uri or a JWKS file.
  IssuerKeys(std::string issuer, KeySourceConfig source, KeyTiming timing, std::shared_ptr<JwksFetcher> fetcher,
             Clock clock);

  // The key with this kid that verifies `algorithm`. Thread-safe; a refresh
  // holds this issuer's lock, so concurrent callers wait for it rather than
  // fetching again.
  std::expected<VerificationKey, std::string> find(std::string_view kid, JwsAlgorithm algorithm);

  // How many fetches of the key set were attempted (tests, metrics).
  std::size_t refresh_count() const;

 private:
  std::expected<void, std::string> refresh_locked(std::chrono::system_clock::time_point now);
  std::expected<std::string, std::string> jwks_url_locked();
  std::optional<VerificationKey> lookup_locked(std::string_view kid, JwsAlgorithm algorithm) const;
  FetchOptions fetch_options() const;

  const std::string issuer_;
  const KeySourceConfig source_;
  const KeyTiming timing_;
  const std::shared_ptr<JwksFetcher> fetcher_;
  const Clock clock_;

  mutable std::mutex mutex_;
  std::vector<VerificationKey> keys_;
  std::optional<std::string> jwks_url_;  // configured or discovered
  std::optional<std::chrono::system_clock::time_point> fetched_at_;
  std::optional<std::chrono::system_clock::time_point> last_attempt_;
  std::string last_error_;
  std::size_t attempts_ = 0;
};

}  // namespace mandate::identity
