// Microsoft Entra ID audit and sign-in logs, in both shapes users have:
// - Microsoft Graph: /auditLogs/directoryAudits and /auditLogs/signIns
//   records (https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit,
//   https://learn.microsoft.com/en-us/graph/api/resources/signin), a response's
//   {"value":[…]} split by the record splitter;
// - Azure Monitor diagnostic settings (storage, Event Hubs): {"records":[…]}
//   or lines of {time, category, operationName, tenantId, properties}, the
//   Graph record in `properties`, `category` naming the log
//   (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/concept-diagnostic-settings-logs-options).
// Sign-ins are authentication events. Entra's own ids are kept as actor ids
// where the other Microsoft sources name the same identity: a person's UPN,
// an application's (service principal's, managed identity's) appId.
#include <algorithm>
#include <array>

#include "ingest/internal/json_reader.h"
#include "ingest/internal/microsoft.h"
#include "ingest/internal/record_parser.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

enum class SignIn { interactive_user, non_interactive_user, service_principal, managed_identity };

// What an Azure Monitor export adds around the Graph record.
struct Envelope {
  std::string_view category;
  std::string_view tenant;
  std::string_view caller_ip;
  std::string_view correlation;
  std::optional<core::Timestamp> time;
};

struct ModifiedProperty {
  std::string_view name, old_value, new_value;
};

struct Target {
  std::string_view type, display_name, upn, id;
  std::vector<ModifiedProperty> modified;
};

// Clients that still sign in with a password alone, where MFA and
// Conditional Access cannot apply (the "legacy authentication" of
// https://learn.microsoft.com/en-us/entra/identity/conditional-access/policy-block-legacy-authentication).
constexpr std::array<std::string_view, 11> kLegacyClients{
    "Exchange ActiveSync", "IMAP4", "POP3", "SMTP", "Authenticated SMTP", "Other clients", "Exchange Web Services",
    "MAPI Over HTTP", "Offline Address Book", "AutoDiscover", "Outlook Anywhere (RPC over HTTP)"};

// Sign-in error codes that are a policy's refusal rather than a wrong
// credential (Conditional Access, device compliance, app assignment):
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
constexpr std::array<std::string_view, 6> kDeniedCodes{"53000", "53001", "53002", "53003", "50105", "530032"};

std::optional<bool> boolean(JsonReader& r, std::string_view pointer) {
  const auto node = r.node(pointer);
  if (!node) return std::nullopt;
  bool out = false;
  if (node->get_bool().get(out) != simdjson::SUCCESS) {
    r.refuse(field_name(pointer) + " must be true or false");
    return std::nullopt;
  }
  return out;
}

// The objects of an array member, each read by `each`; a member of the
// wrong shape refuses the record.
template <typename Each>
void for_each_object(JsonReader& r, std::string_view pointer, Each each) {
  const auto node = r.node(pointer);
  if (!node) return;
  simdjson::dom::array array;
  if (node->get_array().get(array) != simdjson::SUCCESS) return r.refuse(field_name(pointer) + " must be an array");
  for (const auto item : array) {
    if (item.is_null()) continue;
    if (!item.is_object()) return r.refuse(field_name(pointer) + " must hold objects");
    JsonReader inner(item);
    each(inner);
    if (!inner.ok()) return r.refuse(field_name(pointer) + ": " + inner.error());
  }
}

std::vector<Target> read_targets(JsonReader& r) {
  std::vector<Target> out;
  for_each_object(r, "/targetResources", [&](JsonReader& t) {
    Target target{t.text("/type"), t.text("/displayName"), t.text("/userPrincipalName"), t.text("/id"), {}};
    for_each_object(t, "/modifiedProperties", [&](JsonReader& p) {
      target.modified.push_back({p.text("/displayName"), p.text("/oldValue"), p.text("/newValue")});
    });
    out.push_back(std::move(target));
  });
  return out;
}

const ModifiedProperty* modified(const std::vector<Target>& targets, std::string_view name) {
  for (const auto& t : targets) {
    for (const auto& p : t.modified) {
      if (p.name == name) return &p;
    }
  }
  return nullptr;
}

std::string_view detail(JsonReader& r, std::string_view key) {
  std::string_view out;
  for_each_object(r, "/additionalDetails", [&](JsonReader& d) {
    if (d.text("/key") == key) out = d.text("/value");
  });
  return out;
}

// Who started a directory change. An application with an appId is one of
// the tenant's workloads; one without (MS-PIM, "Microsoft Azure AD Internal
// - Jit Provisioning") is Entra's own service. An application acting with a
// person's delegated rights is the actor, the person behind it its chain.
void read_initiator(JsonReader& r, std::string_view service, core::AuditEvent& e) {
  const std::string_view upn = r.text("/initiatedBy/user/userPrincipalName");
  const std::string_view user_id = r.text("/initiatedBy/user/id");
  const std::string_view user_name = r.text("/initiatedBy/user/displayName");
  const std::string_view app_id = r.text("/initiatedBy/app/appId");
  const std::string_view sp_id = r.text("/initiatedBy/app/servicePrincipalId");
  const std::string_view app_name = r.text("/initiatedBy/app/displayName");
  const std::string person(!upn.empty() ? upn : user_id);
  const std::string app(!app_id.empty() ? app_id : !sp_id.empty() ? sp_id : app_name);
  if (!app_id.empty() && !person.empty()) {
    e.actor = {app, PrincipalKind::workload, std::string(app_name)};
    e.chain.push_back({Relation::federated_from, {person, PrincipalKind::human, std::string(user_name)}});
  } else if (!person.empty()) {
    e.actor = {person, PrincipalKind::human, std::string(user_name)};
  } else if (!app.empty()) {
    e.actor = {app, app_id.empty() ? PrincipalKind::service : PrincipalKind::workload, std::string(app_name)};
  } else {
    // Nobody named (Entra's own housekeeping): the service that logged it.
    e.actor = {std::string(service.empty() ? "Microsoft Entra ID" : service), PrincipalKind::service, {}};
  }
  e.source_address = std::string(r.text("/initiatedBy/user/ipAddress"));
  if (e.account.empty()) e.account = std::string(r.text("/initiatedBy/user/homeTenantId"));
}

// Role grants, credentials added to applications, permissions and consent:
// what an investigator of a tenant takeover looks for
// (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-audit-activities).
void read_change(std::string_view activity, const std::vector<Target>& targets, core::AuditEvent& e) {
  if (microsoft::is_role_grant(activity)) {
    const auto* name = modified(targets, "Role.DisplayName");
    const auto* template_id = modified(targets, "Role.TemplateId");
    bool privileged = (name && microsoft::privileged_directory_role(name->new_value)) ||
                      (template_id && microsoft::privileged_directory_role(template_id->new_value));
    for (const auto& t : targets) {
      privileged = privileged || (t.type == "Role" && microsoft::privileged_directory_role(t.display_name));
    }
    if (privileged) e.signals.push_back("admin_policy_attached");
  }
  const bool credentials = activity == "Add service principal credentials" ||
                           (activity.starts_with("Update application") &&
                            activity.find("Certificates and secrets management") != std::string_view::npos);
  if (const auto* keys = modified(targets, "KeyDescription"); credentials && keys) {
    const auto added = microsoft::key_ids_added(keys->old_value, keys->new_value);
    if (!added.empty()) {
      e.category = EventCategory::credential_issued;
      e.issued_credential = added.front();
      e.signals.push_back("app_credential_added");
    }
  }
  if (activity == "Add app role assignment to service principal") {
    const auto* role = modified(targets, "AppRole.Value");
    if (role && microsoft::privileged_graph_permission(role->new_value)) e.signals.push_back("admin_policy_attached");
    if (const auto* client = modified(targets, "ServicePrincipal.DisplayName")) {
      e.resource = std::string(microsoft::unquoted(client->new_value));
    }
  }
  if (activity == "Consent to application") {
    const auto* admin = modified(targets, "ConsentContext.IsAdminConsent");
    if (admin && microsoft::unquoted(admin->new_value) == "True") e.signals.push_back("admin_consent");
  }
}

EventResult audit_result(std::string_view result) {
  if (result == "success") return EventResult::success;
  if (result == "failure" || result == "timeout") return EventResult::failure;
  return EventResult::unknown;
}

void read_audit(JsonReader& r, const Envelope& env, core::AuditEvent& e) {
  std::string_view activity = r.text("/activityDisplayName");
  // Some names end in a space ("… Certificates and secrets management ").
  while (activity.ends_with(' ')) activity.remove_suffix(1);
  auto time = r.time("/activityDateTime");
  if (!time) time = env.time;
  if (!r.ok()) return;
  if (!time) return r.refuse("missing activityDateTime");
  if (activity.empty()) return r.refuse("missing activityDisplayName");
  if (!r.node("/initiatedBy")) return r.refuse("missing initiatedBy");
  e.time = *time;
  e.action = "entra:" + std::string(activity);
  read_initiator(r, r.text("/loggedByService"), e);
  const auto targets = read_targets(r);
  if (!r.ok()) return;
  if (!targets.empty()) {
    const auto& t = targets.front();
    e.resource = std::string(!t.upn.empty() ? t.upn : !t.display_name.empty() ? t.display_name : t.id);
  }
  e.result = audit_result(r.text("/result"));
  // A failed change granted nothing and issued nothing.
  if (e.result != EventResult::failure) read_change(activity, targets, e);
  e.user_agent = std::string(detail(r, "User-Agent"));
  e.interactive = e.user_agent.starts_with("Mozilla/");
  e.source_id = std::string(r.text("/id"));
  if (e.source_id.empty()) e.source_id = std::string(r.text("/correlationId"));
}

bool contains(const std::vector<std::string_view>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Which kind of sign-in, from the export's category or, in Graph's shape,
// from signInEventTypes, managedServiceIdentity and who is named.
std::optional<SignIn> sign_in_kind(JsonReader& r, std::string_view category) {
  if (category == "SignInLogs") return SignIn::interactive_user;
  if (category == "NonInteractiveUserSignInLogs") return SignIn::non_interactive_user;
  if (category == "ServicePrincipalSignInLogs") return SignIn::service_principal;
  if (category == "ManagedIdentitySignInLogs") return SignIn::managed_identity;
  if (!category.empty()) return std::nullopt;
  const auto types = r.texts("/signInEventTypes");
  const std::string_view msi = r.text("/managedServiceIdentity/msiType");
  if (contains(types, "managedIdentity") || msi == "systemAssigned" || msi == "userAssigned") return SignIn::managed_identity;
  if (contains(types, "servicePrincipal")) return SignIn::service_principal;
  if (r.text("/userPrincipalName").empty() && r.text("/userId").empty() && !r.text("/servicePrincipalId").empty()) {
    return SignIn::service_principal;
  }
  if (contains(types, "nonInteractiveUser") || boolean(r, "/isInteractive") == false) return SignIn::non_interactive_user;
  return SignIn::interactive_user;
}

CredentialKind client_credential(std::string_view type, std::string_view thumbprint) {
  if (type == "federatedIdentityCredential") return CredentialKind::oidc_token;
  if (type == "clientAssertion" || type == "certificate" || !thumbprint.empty()) return CredentialKind::certificate;
  if (type == "managedIdentity") return CredentialKind::token;
  return CredentialKind::access_key;  // a client secret: long-lived, like a cloud access key
}

EventResult sign_in_result(std::string_view code) {
  if (code.empty()) return EventResult::unknown;
  if (code == "0") return EventResult::success;
  for (const auto denied : kDeniedCodes) {
    if (code == denied) return EventResult::denied;
  }
  return EventResult::failure;
}

void read_person(JsonReader& r, SignIn kind, core::AuditEvent& e) {
  const std::string_view upn = r.text("/userPrincipalName");
  const std::string person(!upn.empty() ? upn : r.text("/userId"));
  if (person.empty()) return r.refuse("a user sign-in must name userPrincipalName or userId");
  core::Principal user{person, PrincipalKind::human, std::string(r.text("/userDisplayName"))};
  e.action = "entra:sign-in";
  e.resource = std::string(r.text("/appDisplayName"));
  if (kind == SignIn::interactive_user) {
    e.actor = std::move(user);
    e.credential_kind = CredentialKind::password;
    e.interactive = true;
    return;
  }
  // Microsoft's words: "performed by a client app or OS components on behalf
  // of a user". The client holds the person's refresh token.
  const std::string_view app_id = r.text("/appId");
  if (app_id.empty()) {
    e.actor = std::move(user);
  } else {
    e.actor = {std::string(app_id), PrincipalKind::workload, std::string(r.text("/appDisplayName"))};
    e.chain.push_back({Relation::federated_from, std::move(user)});
  }
  e.credential_kind = CredentialKind::token;
}

void read_application(JsonReader& r, SignIn kind, core::AuditEvent& e) {
  const std::string_view app_id = r.text("/appId");
  const std::string_view sp_id = r.text("/servicePrincipalId");
  std::string_view name = r.text("/servicePrincipalName");
  if (name.empty()) name = r.text("/appDisplayName");
  const std::string id(!app_id.empty() ? app_id : sp_id);
  if (id.empty()) return r.refuse("a service principal sign-in must name appId or servicePrincipalId");
  e.actor = {id, PrincipalKind::workload, std::string(name)};
  e.resource = std::string(r.text("/resourceDisplayName"));
  if (kind == SignIn::managed_identity) {
    e.action = "entra:managed identity sign-in";
    e.credential_kind = CredentialKind::token;
    return;
  }
  e.action = "entra:service principal sign-in";
  const std::string_view key = r.text("/servicePrincipalCredentialKeyId");
  const std::string_view thumbprint = r.text("/servicePrincipalCredentialThumbprint");
  e.credential = std::string(!key.empty() ? key : thumbprint);
  e.credential_kind = client_credential(r.text("/clientCredentialType"), thumbprint);
}

void read_sign_in(JsonReader& r, SignIn kind, const Envelope& env, core::AuditEvent& e) {
  auto time = r.time("/createdDateTime");
  if (!time) time = env.time;
  if (!r.ok()) return;
  if (!time) return r.refuse("missing createdDateTime");
  e.time = *time;
  e.category = EventCategory::authentication;
  if (kind == SignIn::interactive_user || kind == SignIn::non_interactive_user) {
    read_person(r, kind, e);
  } else {
    read_application(r, kind, e);
  }
  if (!r.ok()) return;
  e.result = sign_in_result(r.scalar_text("/status/errorCode"));
  e.source_address = std::string(r.text("/ipAddress"));
  e.user_agent = std::string(r.text("/userAgent"));
  // The token's uti: Azure Activity records carry it as claims.uti, so the
  // actions done with this sign-in's token are linked to it.
  e.issued_credential = std::string(r.text("/uniqueTokenIdentifier"));
  const std::string_view client = r.text("/clientAppUsed");
  for (const auto legacy : kLegacyClients) {
    if (client == legacy) e.signals.push_back("legacy_authentication");
  }
  if (e.account.empty()) e.account = std::string(r.text("/resourceTenantId"));
  if (e.account.empty()) e.account = std::string(r.text("/homeTenantId"));
  e.source_id = std::string(r.text("/id"));
  if (e.source_id.empty()) e.source_id = std::string(r.text("/correlationId"));
}

bool is_sign_in_category(std::string_view category) {
  return category == "SignInLogs" || category == "NonInteractiveUserSignInLogs" ||
         category == "ServicePrincipalSignInLogs" || category == "ManagedIdentitySignInLogs";
}

class EntraParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "an Entra ID record must be a JSON object");
    JsonReader outer(record);
    const auto properties = outer.node("/properties");
    Envelope env;
    if (properties && properties->is_object() && outer.node("/time")) {
      env = {outer.text("/category"), outer.text("/tenantId"), outer.text("/callerIpAddress"), outer.text("/correlationId"),
             outer.time("/time")};
      if (!outer.ok()) return sink.refuse(origin, outer.error());
      // Another service's export (the Activity log's "Administrative"…) is
      // no Entra record: refused, so `ingest auto` never takes it for one.
      if (!microsoft::entra_export(env.category, outer.text("/resourceId"))) {
        return sink.refuse(origin, "an Azure Monitor record of category \"" + std::string(utf8_prefix(env.category, 60)) +
                                       "\", not Entra ID's (the Activity log is the azure source)");
      }
      if (env.category != "AuditLogs" && !is_sign_in_category(env.category)) {
        return sink.skip("an Entra ID export of another category (not AuditLogs or a sign-in log)");
      }
    }
    JsonReader r(env.time ? *properties : record);
    core::AuditEvent e;
    e.source = "entra";
    e.account = std::string(env.tenant);
    if (env.category == "AuditLogs" || (!env.time && r.node("/activityDisplayName"))) {
      read_audit(r, env, e);
    } else if (env.time || r.node("/createdDateTime")) {
      const auto kind = sign_in_kind(r, env.category);
      if (kind && r.ok()) read_sign_in(r, *kind, env, e);
    } else {
      return sink.refuse(origin, "neither a directoryAudit (activityDisplayName) nor a signIn (createdDateTime)");
    }
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (e.source_address.empty() && env.caller_ip != "<null>") e.source_address = std::string(env.caller_ip);
    if (e.source_id.empty()) e.source_id = std::string(env.correlation);
    sink.keep(std::move(e), record, origin);
  }
};

}  // namespace

std::unique_ptr<RecordParser> make_entra_parser() { return std::make_unique<EntraParser>(); }

}  // namespace mandate::ingest
