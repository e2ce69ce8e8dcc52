#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: what the Microsoft sources (Entra ID, Azure Activity,
// Microsoft 365) share: Entra ID's directory roles and Graph permissions that
// amount to control of the tenant, and how their audit records write changes.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace mandate::ingest::microsoft {

// A directory role (display name or role template id) that lets its holder
// take over the tenant: Global Administrator, Privileged Role Administrator…
bool privileged_directory_role(std::string_view role);

// An application permission of Microsoft Graph with the same reach
// (RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All…).
bool privileged_graph_permission(std::string_view permission);

// "Add member to role", "Add eligible member to role", "Add member to role
// in PIM completed (permanent)", UAL's "Add member to role." …
bool is_role_grant(std::string_view activity);

// Entra audit records quote modified values as JSON text ("\"Global
// Administrator\""); the value without its quotes.
std::string_view unquoted(std::string_view value);

// The credential key ids a KeyDescription change adds: the
// "KeyIdentifier=<id>" entries of `new_value` that `old_value` lacks.
// Entra records only key ids and names there, never a secret's value.
std::vector<std::string> key_ids_added(std::string_view old_value, std::string_view new_value);

// An Azure Monitor record written by Entra ID (resourceId under
// Microsoft.aadiam, or one of Entra's log categories): the Entra source's,
// not the Activity log's, whichever file it was exported into.
bool entra_export(std::string_view category, std::string_view resource_id);

// A time as Microsoft 365 writes it: RFC 3339, or without a zone (then UTC).
std::optional<core::Timestamp> utc_time(std::string_view text);

}  // namespace mandate::ingest::microsoft
