#pragma once
// The console as an OpenID Connect relying party: the authorization code
// flow with PKCE (RFC 7636, S256) against the configured provider. This
// side only speaks the protocol — where to send the browser, and trading
// the code for an ID token at the token endpoint. Verifying the ID token is
// the identity module's (Authenticator::authenticate_login), the same
// checks a bearer ID token gets.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "identity/jwks_fetcher.h"

namespace mandate::console {

struct ClientSettings {
  std::string issuer;
  std::string client_id;
  std::optional<std::string> client_secret;  // client_secret_basic; none: a public client
  std::string redirect_uri;                  // <public_url>/console/callback
};

class RelyingParty {
 public:
  // `fetch` is the provider's [[identity.oidc]] fetch settings (its CA file,
  // allow_http); `fetcher` the one the identity module uses.
  RelyingParty(ClientSettings client, identity::FetchOptions fetch, std::shared_ptr<identity::JwksFetcher> fetcher);

  // Where to send the browser: the provider's authorization endpoint with
  // response_type=code, scope=openid, the S256 challenge of
  // `code_verifier`, `state` and `nonce`. Discovers the endpoints on first
  // use (Error{io} when the provider cannot be reached or its discovery
  // document is not for this issuer).
  std::string authorization_url(const std::string& state, const std::string& nonce, const std::string& code_verifier);
  // The ID token the token endpoint gives for `code`. Error{unauthenticated}
  // naming the provider's error when it refuses the code, Error{io} when it
  // cannot be reached.
  std::string redeem(const std::string& code, const std::string& code_verifier);

  // Discovery is fetched again after this long.
  static constexpr std::chrono::hours kDiscoveryLifetime{1};

 private:
  struct Endpoints {
    std::string authorization;
    std::string token;
  };
  Endpoints endpoints();
  Endpoints discover() const;

  const ClientSettings client_;
  const identity::FetchOptions fetch_;
  const std::shared_ptr<identity::JwksFetcher> fetcher_;
  std::mutex mu_;
  std::optional<Endpoints> endpoints_;
  std::chrono::steady_clock::time_point discovered_at_{};
};

// The RFC 7636 S256 code challenge of a verifier.
std::string pkce_challenge(const std::string& code_verifier);

}  // namespace mandate::console
