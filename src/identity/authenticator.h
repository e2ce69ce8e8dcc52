#pragma once
// Proves who a caller is from what its request carried: an mTLS client
// certificate chain (SPIFFE X.509-SVID) or a bearer JWT (OpenID Connect ID
// token, JWT-SVID, GitHub Actions OIDC token, Kubernetes service-account
// token), each verified against the issuers and trust domains of the
// [identity] configuration and mapped to a registered actor. Knows nothing of
// HTTP: the server hands over the token and the peer's chain.
//
// What a caller may do with its identity (a workload never approves, a human
// never presents a mandate) is the broker's business; `kind` says which class
// of credential proved it, and `authenticated_by` says how, for the ledger.
#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identity/config.h"
#include "identity/clock.h"
#include "identity/jwks_fetcher.h"

namespace mandate::identity {

struct Presented {                                 // what one request carried
  std::optional<std::string> bearer_token;         // from "Authorization: Bearer …"
  std::vector<std::string> peer_certificates_der;  // the mTLS client chain, leaf first; empty without mTLS
};

struct Identity {
  std::string actor_id;  // the registered actor this credential maps to
  // "human" for OIDC ID tokens; "workload" for workload credentials, or
  // "agent" when the mapping rule says so.
  std::string kind;
  // For the ledger, never a secret: "oidc:<iss> sub=<sub>",
  // "x509-svid:<spiffe id>", "jwt-svid:<spiffe id>", "github-actions:<sub>",
  // "kubernetes:<sub>".
  std::string authenticated_by;
  // RFC 8705 x5t#S256 (base64url SHA-256 of the leaf DER) when an X.509-SVID
  // authenticated the caller: the cnf a mandate issued to it binds to.
  std::optional<std::string> certificate_thumbprint;
  CredentialKind credential = CredentialKind::oidc;
  std::string subject;  // the verified sub or SPIFFE ID
  std::string issuer;   // the verified iss, or the trust domain for SVIDs
};

// Safe to return to the caller and to log: says where and why, never quotes
// a token, and quotes values read from a token only after it verified.
struct AuthFailure {
  std::string reason;
};

class Authenticator {
 public:
  // `fetcher` fetches discovery documents and JWKS (CurlJwksFetcher in
  // production). `clock` is for tests.
  Authenticator(IdentityConfig config, std::shared_ptr<JwksFetcher> fetcher,
                Clock clock = [] { return std::chrono::system_clock::now(); });
  ~Authenticator();
  Authenticator(Authenticator&&) noexcept;
  Authenticator& operator=(Authenticator&&) noexcept;

  // The mTLS chain first (if present and its leaf is an SVID of a configured
  // trust domain), else the bearer token. A chain that claims a configured
  // trust domain and fails verification is a refusal, not a reason to try the
  // token. Thread-safe.
  std::expected<Identity, AuthFailure> authenticate(const Presented& presented);
  // A JWT (ID token / JWT-SVID / GitHub / Kubernetes), e.g. an RFC 8693
  // subject_token. Thread-safe.
  std::expected<Identity, AuthFailure> authenticate_token(std::string_view jwt);
  // What authenticate_token(jwt) answers when it can from memory: the
  // identity of a bearer token verified before and still remembered (not
  // expired). Nothing otherwise (never verified here, expired, forgotten):
  // no verification, no fetch, no waiting. Thread-safe.
  std::optional<Identity> remembered_token(std::string_view jwt);
  // An ID token the console redeemed at `issuer`'s token endpoint as client
  // `client_id`: verified exactly as a bearer ID token of that
  // [[identity.oidc]] provider (signature, iss, exp/nbf/iat with skew, sub,
  // the actor claim and its mapping), except that its aud must hold
  // `client_id` (and azp name it when aud holds several), and its nonce must
  // be `nonce` (OpenID Connect Core 3.1.3.7). Not remembered: it is
  // presented once. Thread-safe.
  std::expected<Identity, AuthFailure> authenticate_login(std::string_view id_token, const std::string& issuer,
                                                          const std::string& client_id, const std::string& nonce);

  // JWKS fetches attempted for the issuer (or JWT-SVID trust domain) so far;
  // 0 for one not configured. For tests and metrics.
  std::size_t key_refreshes(std::string_view issuer_or_trust_domain) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The [identity] table of `config_text`, a TOML document (the server's
// config file, named `source` in errors); none: nothing is configured. Takes
// the text, not a parsed table, so that no toml++ type is in this header.
// Relative file names (bundle, jwks_file, ca_file) are resolved against
// `base_dir`; bundles and JWKS files are read and checked now. Errors name
// file:line:column and the setting.
std::expected<IdentityConfig, std::string> parse_identity_config(std::string_view config_text, std::string_view source,
                                                                 const std::filesystem::path& base_dir);

}  // namespace mandate::identity
