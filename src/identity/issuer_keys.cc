#include "identity/internal/issuer_keys.h"

#include <nlohmann/json.hpp>

#include "encoding/json.h"

namespace mandate::identity {
namespace {

using Refusal = std::unexpected<std::string>;

bool url_allowed(std::string_view url, bool allow_http) {
  return url.starts_with("https://") || (allow_http && url.starts_with("http://"));
}

// OpenID Connect Discovery 1.0 §4: the document's issuer must be the one
// asked for, byte for byte, or a provider could vouch for another's tokens.
std::expected<std::string, std::string> jwks_uri_from_discovery(const std::string& document, const std::string& issuer,
                                                                bool allow_http) {
  auto json = encoding::parse_json_strict(document, 16);
  if (!json || !json->is_object()) return Refusal("the OpenID discovery document of " + issuer + " is not a JSON object");
  const auto iss = json->find("issuer");
  if (iss == json->end() || !iss->is_string() || *iss != issuer) {
    return Refusal("the OpenID discovery document of " + issuer + " names another issuer");
  }
  const auto uri = json->find("jwks_uri");
  if (uri == json->end() || !uri->is_string()) {
    return Refusal("the OpenID discovery document of " + issuer + " has no jwks_uri");
  }
  std::string url = uri->get<std::string>();
  if (!url_allowed(url, allow_http)) return Refusal("the jwks_uri discovered for " + issuer + " is not https");
  return url;
}

}  // namespace

IssuerKeys::IssuerKeys(std::string issuer, KeySourceConfig source, KeyTiming timing,
                       std::shared_ptr<JwksFetcher> fetcher, Clock clock)
    : issuer_(std::move(issuer)),
      source_(std::move(source)),
      timing_(timing),
      fetcher_(std::move(fetcher)),
      clock_(std::move(clock)),
      jwks_url_(source_.jwks_uri) {
  if (source_.jwks_json) {
    // Static keys were checked when the configuration was parsed.
    if (auto keys = parse_jwks(*source_.jwks_json)) keys_ = std::move(*keys);
  }
}

FetchOptions IssuerKeys::fetch_options() const {
  FetchOptions options;
  options.ca_file = source_.ca_file;
  options.allow_http = source_.allow_http;
  options.timeout = timing_.fetch_timeout;
  return options;
}

std::expected<std::string, std::string> IssuerKeys::jwks_url_locked() {
  if (jwks_url_) return *jwks_url_;
  std::string base = issuer_;
  if (base.ends_with('/')) base.pop_back();
  auto document = fetcher_->fetch(base + "/.well-known/openid-configuration", fetch_options());
  if (!document) return Refusal("OpenID discovery failed: " + document.error());
  auto url = jwks_uri_from_discovery(*document, issuer_, source_.allow_http);
  if (!url) return url;
  jwks_url_ = *url;
  return url;
}

std::expected<void, std::string> IssuerKeys::refresh_locked(std::chrono::system_clock::time_point now) {
  last_attempt_ = now;
  ++attempts_;
  auto url = jwks_url_locked();
  if (!url) return Refusal(url.error());
  auto body = fetcher_->fetch(*url, fetch_options());
  if (!body) {
    if (!source_.jwks_uri) jwks_url_.reset();  // discover again next time: the provider may have moved it
    return Refusal("fetching the JWKS failed: " + body.error());
  }
  auto keys = parse_jwks(*body);
  if (!keys) return Refusal("the JWKS at " + *url + " is unusable: " + keys.error());
  keys_ = std::move(*keys);
  fetched_at_ = now;
  last_error_.clear();
  return {};
}

std::optional<VerificationKey> IssuerKeys::lookup_locked(std::string_view kid, JwsAlgorithm algorithm) const {
  for (const auto& key : keys_) {
    if (key.kid() == kid && key.algorithm() == algorithm) return key;
  }
  return std::nullopt;
}

std::expected<VerificationKey, std::string> IssuerKeys::find(std::string_view kid, JwsAlgorithm algorithm) {
  const std::lock_guard lock(mutex_);
  const auto now = clock_();
  const bool fetchable = !source_.jwks_json.has_value();
  const auto may_refresh = [&] { return fetchable && (!last_attempt_ || now - *last_attempt_ >= timing_.refresh_interval); };
  const bool stale = fetchable && (!fetched_at_ || now - *fetched_at_ >= timing_.cache_ttl);
  bool refreshed = false;
  if (stale && may_refresh()) {
    // A failed refresh keeps the keys we had: an identity provider outage
    // should not turn away tokens signed with keys already known.
    if (auto r = refresh_locked(now); !r) last_error_ = r.error();
    refreshed = true;
  }
  if (auto key = lookup_locked(kid, algorithm)) return *key;
  if (!refreshed && may_refresh()) {
    if (auto r = refresh_locked(now); !r) last_error_ = r.error();
    refreshed = true;
    if (auto key = lookup_locked(kid, algorithm)) return *key;
  }
  std::string reason = "no " + std::string(to_string(algorithm)) + " key with the token's kid in the JWKS of " +
                       (issuer_.empty() ? std::string("the configured key set") : issuer_);
  if (fetchable && !refreshed) {
    reason += " (not refreshed: the last fetch was less than " + std::to_string(timing_.refresh_interval.count()) +
              "s ago)";
  } else if (refreshed && !last_error_.empty()) {
    reason += " (" + last_error_ + ")";
  }
  return Refusal(std::move(reason));
}

std::size_t IssuerKeys::refresh_count() const {
  const std::lock_guard lock(mutex_);
  return attempts_;
}

}  // namespace mandate::identity
