// What the Microsoft sources share. Role template ids:
// https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference
#include <algorithm>
#include <array>

#include "ingest/internal/json_reader.h"
#include "ingest/internal/microsoft.h"

namespace mandate::ingest::microsoft {
namespace {

struct Role {
  std::string_view name;
  std::string_view template_id;
};

// Roles Microsoft marks "privileged" that reach every identity or every
// application's credentials ("Company Administrator" is Global
// Administrator's older name, still written by the Unified Audit Log).
constexpr std::array<Role, 8> kPrivilegedRoles{{
    {"Global Administrator", "62e90394-69f5-4237-9190-012177145e10"},
    {"Company Administrator", "62e90394-69f5-4237-9190-012177145e10"},
    {"Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814"},
    {"Privileged Authentication Administrator", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"},
    {"Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"},
    {"Cloud Application Administrator", "158c047a-c907-4556-b7ef-446551a6b5f7"},
    {"Hybrid Identity Administrator", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"},
    {"Security Administrator", "194ae4cb-b126-40b2-bd5b-6091b380977d"},
}};

// Each lets an application grant itself (or anyone) any role or permission.
constexpr std::array<std::string_view, 4> kPrivilegedPermissions{
    "RoleManagement.ReadWrite.Directory", "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All",
    "Directory.ReadWrite.All"};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// Entra ID's diagnostic-setting categories
// (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/concept-diagnostic-settings-logs-options).
constexpr std::array<std::string_view, 16> kEntraCategories{
    "AuditLogs", "SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs", "ProvisioningLogs", "ADFSSignInLogs", "RiskyUsers", "UserRiskEvents",
    "RiskyServicePrincipals", "ServicePrincipalRiskEvents", "NetworkAccessTrafficLogs", "MicrosoftGraphActivityLogs",
    "EnrichedOffice365AuditLogs", "RemoteNetworkHealthLogs", "MicrosoftServicePrincipalSignInLogs"};

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return (a | 0x20) == (b | 0x20); }) != haystack.end();
}

}  // namespace

bool entra_export(std::string_view category, std::string_view resource_id) {
  return contains_ignoring_case(resource_id, "/providers/microsoft.aadiam") ||
         std::find(kEntraCategories.begin(), kEntraCategories.end(), category) != kEntraCategories.end();
}

bool privileged_directory_role(std::string_view role) {
  role = unquoted(role);
  return std::any_of(kPrivilegedRoles.begin(), kPrivilegedRoles.end(), [&](const Role& r) {
    return equal_ignoring_case(role, r.name) || equal_ignoring_case(role, r.template_id);
  });
}

bool privileged_graph_permission(std::string_view permission) {
  permission = unquoted(permission);
  return std::find(kPrivilegedPermissions.begin(), kPrivilegedPermissions.end(), permission) != kPrivilegedPermissions.end();
}

bool is_role_grant(std::string_view activity) {
  return activity.starts_with("Add ") && activity.find("member to role") != std::string_view::npos;
}

std::string_view unquoted(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') return value.substr(1, value.size() - 2);
  return value;
}

std::vector<std::string> key_ids_added(std::string_view old_value, std::string_view new_value) {
  constexpr std::string_view kMarker = "KeyIdentifier=";
  std::vector<std::string> out;
  for (auto at = new_value.find(kMarker); at != std::string_view::npos; at = new_value.find(kMarker, at)) {
    at += kMarker.size();
    const auto end = new_value.find_first_of(",]\"\\ ", at);
    const std::string_view id = new_value.substr(at, end == std::string_view::npos ? end : end - at);
    if (id.empty()) continue;
    if (old_value.find(std::string(kMarker) + std::string(id)) == std::string_view::npos) out.emplace_back(id);
  }
  return out;
}

std::optional<core::Timestamp> utc_time(std::string_view text) {
  if (auto t = parse_source_time(text)) return t;
  // "2022-05-07T12:55:53" or with a fraction, and no zone: UTC, as the
  // Office 365 Management Activity API documents CreationTime.
  if (text.size() < 19 || text.size() > 29 || text.find_first_of("Zz+") != std::string_view::npos ||
      text.find('-', 10) != std::string_view::npos) {
    return std::nullopt;
  }
  return parse_source_time(std::string(text) + "Z");
}

}  // namespace mandate::ingest::microsoft
