#include "core/audit_event.h"

#include "core/internal/enum_names.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<PrincipalKind, 5> kPrincipalKinds{{
    {PrincipalKind::human, "human"},
    {PrincipalKind::workload, "workload"},
    {PrincipalKind::agent, "agent"},
    {PrincipalKind::service, "service"},
    {PrincipalKind::unknown, "unknown"},
}};

constexpr detail::NameTable<CredentialKind, 8> kCredentialKinds{{
    {CredentialKind::none, "none"},
    {CredentialKind::access_key, "access_key"},
    {CredentialKind::session, "session"},
    {CredentialKind::token, "token"},
    {CredentialKind::service_account_token, "service_account_token"},
    {CredentialKind::certificate, "certificate"},
    {CredentialKind::oidc_token, "oidc_token"},
    {CredentialKind::password, "password"},
}};

constexpr detail::NameTable<Relation, 6> kRelations{{
    {Relation::assumed_by, "assumed_by"},
    {Relation::impersonated_by, "impersonated_by"},
    {Relation::source_identity, "source_identity"},
    {Relation::federated_from, "federated_from"},
    {Relation::triggered_by, "triggered_by"},
    {Relation::owned_by, "owned_by"},
}};

constexpr detail::NameTable<EventCategory, 6> kCategories{{
    {EventCategory::action, "action"},
    {EventCategory::authentication, "authentication"},
    {EventCategory::credential_issued, "credential_issued"},
    {EventCategory::approval, "approval"},
    {EventCategory::request, "request"},
    {EventCategory::lifecycle, "lifecycle"},
}};

constexpr detail::NameTable<EventResult, 4> kResults{{
    {EventResult::success, "success"},
    {EventResult::failure, "failure"},
    {EventResult::denied, "denied"},
    {EventResult::unknown, "unknown"},
}};

}  // namespace

std::string_view to_string(PrincipalKind kind) { return detail::name_of(kPrincipalKinds, kind); }
std::optional<PrincipalKind> parse_principal_kind(std::string_view text) {
  return detail::value_of(kPrincipalKinds, text);
}
std::string_view to_string(CredentialKind kind) { return detail::name_of(kCredentialKinds, kind); }
std::optional<CredentialKind> parse_credential_kind(std::string_view text) {
  return detail::value_of(kCredentialKinds, text);
}
std::string_view to_string(Relation relation) { return detail::name_of(kRelations, relation); }
std::optional<Relation> parse_relation(std::string_view text) { return detail::value_of(kRelations, text); }
std::string_view to_string(EventCategory category) { return detail::name_of(kCategories, category); }
std::optional<EventCategory> parse_event_category(std::string_view text) {
  return detail::value_of(kCategories, text);
}
std::string_view to_string(EventResult result) { return detail::name_of(kResults, result); }
std::optional<EventResult> parse_event_result(std::string_view text) { return detail::value_of(kResults, text); }

bool is_machine(PrincipalKind kind) { return kind == PrincipalKind::workload || kind == PrincipalKind::agent; }

}  // namespace mandate::core
