#pragma once
// The [identity] table of the server's configuration: which identity
// providers and trust domains mandate believes, and how their subjects map to
// registered actors. Plain data; parse_identity_config (authenticator.h)
// builds it from TOML and reads the files it names.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mandate::identity {

// One mapping rule: every pattern must match for the rule to apply; the first
// rule that applies names the actor. Patterns are globs where '*' matches any
// run of characters (including none) and every other character itself.
struct MappingRule {
  std::optional<std::string> subject;          // glob over the credential's subject (SPIFFE ID, sub)
  std::map<std::string, std::string> claims;   // claim or attribute name -> glob
  std::string actor;                           // the registered actor id
  std::string kind = "workload";               // "workload" or "agent"
};

// Where a JWT issuer's keys come from: a JWKS URL, OpenID discovery from the
// issuer (the default), or a JWKS file read when the configuration was.
struct KeySourceConfig {
  std::optional<std::string> jwks_uri;
  std::optional<std::string> jwks_json;        // contents of jwks_file (static keys)
  std::optional<std::filesystem::path> ca_file;
  bool allow_http = false;
};

enum class CredentialKind { oidc, x509_svid, jwt_svid, github_actions, kubernetes };
std::string_view to_string(CredentialKind kind);

// A human identity provider ([[identity.oidc]]).
struct OidcProvider {
  std::string issuer;                          // compared with "iss" byte for byte
  std::vector<std::string> audiences;          // one must be in "aud"
  KeySourceConfig keys;
  std::string actor_claim = "sub";             // the claim that names the human actor
  std::string actor_template = "{}";           // "{}" is replaced by that claim's value
  bool require_email_verified = true;          // when actor_claim is "email"
};

// A workload identity source ([[identity.workload]]).
struct WorkloadSource {
  CredentialKind kind = CredentialKind::x509_svid;
  std::string trust_domain;                    // SVIDs
  std::string x509_bundle_pem;                 // x509-svid: contents of `bundle`
  std::string issuer;                          // JWT kinds ("" for a JWT-SVID without iss)
  std::vector<std::string> audiences;          // JWT kinds
  KeySourceConfig keys;                        // JWT kinds
  std::vector<MappingRule> rules;
};

struct IdentityConfig {
  std::vector<OidcProvider> oidc;
  std::vector<WorkloadSource> workloads;
  std::chrono::seconds clock_skew{30};
  // At most one JWKS refresh per issuer in this interval, whatever kids
  // callers present.
  std::chrono::seconds refresh_interval{60};
  // Keys older than this are fetched again on next use.
  std::chrono::seconds cache_ttl{3600};
  std::chrono::milliseconds fetch_timeout{5000};
};

}  // namespace mandate::identity
