#include "core/identity.h"

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<IdentityKind, 5> kIdentityKindNames{{
    {IdentityKind::oidc_subject, "oidc_subject"},
    {IdentityKind::x509_svid, "x509_svid"},
    {IdentityKind::jwt_svid, "jwt_svid"},
    {IdentityKind::github_actions_oidc, "github_actions_oidc"},
    {IdentityKind::kubernetes_service_account, "kubernetes_service_account"},
}};


}  // namespace

std::string_view to_string(IdentityKind kind) { return detail::name_of(kIdentityKindNames, kind); }
std::optional<IdentityKind> parse_identity_kind(std::string_view text) {
  return detail::value_of(kIdentityKindNames, text);
}

bool can_prove(IdentityKind identity, ActorKind actor) {
  if (identity == IdentityKind::oidc_subject) return actor == ActorKind::human;
  return actor == ActorKind::workload || actor == ActorKind::agent;
}

std::expected<void, std::string> validate_identity(const Identity& identity) {
  if (!detail::is_named(kIdentityKindNames, identity.kind)) {
    return detail::refuse("identity kind is not a known kind");
  }
  if (auto ok = check_id(identity.actor_id); !ok) return detail::about("identity actor id", ok);
  const bool svid =
      identity.kind == IdentityKind::x509_svid || identity.kind == IdentityKind::jwt_svid;
  if (svid) {
    if (auto ok = check_workload_id(identity.subject); !ok) return detail::about("SVID subject", ok);
    if (!identity.issuer.empty()) {
      return detail::refuse("an SVID identity has no issuer: its trust domain is in the subject");
    }
    return {};
  }
  if (auto ok = check_id(identity.subject); !ok) return detail::about("identity subject", ok);
  if (auto ok = check_id(identity.issuer); !ok) return detail::about("identity issuer", ok);
  if (auto ok = check_uri(identity.issuer); !ok) return detail::about("identity issuer", ok);
  return {};
}

}  // namespace mandate::core
