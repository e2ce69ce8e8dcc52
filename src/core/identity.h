#pragma once
// How an actor is proven. An identity links a credential presented at the
// edge (issuer + subject) to the actor record that accountability hangs on.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/actor.h"

namespace mandate::core {

enum class IdentityKind {
  oidc_subject,                // humans: OpenID Connect ID token
  x509_svid,                   // SPIFFE X.509-SVID (URI SAN)
  jwt_svid,                    // SPIFFE JWT-SVID
  github_actions_oidc,         // GitHub Actions OIDC token
  kubernetes_service_account,  // Kubernetes service-account token
};

std::string_view to_string(IdentityKind kind);
std::optional<IdentityKind> parse_identity_kind(std::string_view text);

struct Identity {
  IdentityKind kind = IdentityKind::oidc_subject;
  // Who vouches for the subject. Empty for SVIDs, whose trust domain is part
  // of the subject itself.
  std::string issuer;
  std::string subject;
  std::string actor_id;

  friend bool operator==(const Identity&, const Identity&) = default;
};

// Which actor kinds an identity kind may prove: OIDC subjects prove humans,
// every other kind proves a workload or an agent. Keeps a machine credential
// from ever standing in for a person (and so from approving, invariant 1).
bool can_prove(IdentityKind identity, ActorKind actor);

// Subject and actor id well-formed; SVID subjects are SPIFFE IDs with a path
// and carry no issuer; the other kinds need an issuer that is a URI.
std::expected<void, std::string> validate_identity(const Identity& identity);

}  // namespace mandate::core
