#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// Internal: the Authenticator's state, shared by authenticator.cc (routing,
// X.509-SVIDs) and jwt_identities.cc (the four JWT kinds).
#include <memory>
#include <optional>
#include <vector>

#include "identity/authenticator.h"
#include "identity/internal/issuer_keys.h"
#include "identity/internal/jwt.h"
#include "identity/internal/mapping.h"
#include "identity/internal/verified_tokens.h"
#include "identity/internal/x509_svid.h"

namespace mandate::identity {

using Failure = std::unexpected<AuthFailure>;
inline Failure fail(std::string reason) { return Failure(AuthFailure{std::move(reason)}); }

// Values read from verified credentials still go into the ledger and into
// messages: control characters could forge log lines, so they are refused.
bool printable(std::string_view text);

struct Authenticator::Impl {
  IdentityConfig config;
  Clock clock;
  std::vector<std::unique_ptr<IssuerKeys>> oidc_keys;      // parallel to config.oidc
  std::vector<std::unique_ptr<IssuerKeys>> workload_keys;  // parallel to config.workloads; null for x509-svid
  std::vector<std::optional<X509Bundle>> bundles;          // parallel to config.workloads; set for x509-svid
  VerifiedTokens verified_tokens;

  Impl(IdentityConfig c, std::shared_ptr<JwksFetcher> fetcher, Clock k);

  std::expected<Identity, AuthFailure> x509(const std::vector<std::string>& chain, const WorkloadSource& source,
                                            const X509Bundle& bundle) const;
  std::expected<Identity, AuthFailure> token(std::string_view jwt);
  std::expected<Identity, AuthFailure> verify_token(const UnverifiedJwt& jwt);
  // `audiences`: what aud must hold; the provider's own unless the console
  // verifies an ID token issued to its client.
  std::expected<Identity, AuthFailure> oidc(const UnverifiedJwt& jwt, std::size_t index,
                                            const std::vector<std::string>& audiences);
  std::expected<Identity, AuthFailure> login(std::string_view compact, const std::string& issuer,
                                             const std::string& client_id, const std::string& nonce);
  std::expected<Identity, AuthFailure> workload(const UnverifiedJwt& jwt, std::size_t index);

  // Signature with the issuer's key for the token's kid, then the registered
  // claims. `label` names the source in messages.
  std::expected<void, AuthFailure> verify(const UnverifiedJwt& jwt, IssuerKeys& keys, const ClaimRules& rules,
                                          const std::string& label) const;
  ClaimRules rules_for(std::optional<std::string> issuer, const std::vector<std::string>& audiences) const;
};

// The first rule's actor, or a failure naming the subject.
std::expected<Identity, AuthFailure> map_workload(const WorkloadSource& source, const VerifiedSubject& subject,
                                                  std::string authenticated_by);

}  // namespace mandate::identity
