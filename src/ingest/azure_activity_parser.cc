// Azure Activity log records (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log-schema),
// in the shapes users have: the Azure SDK's snake_case (event_timestamp,
// operation_name.value, event_data_id), the REST API and Azure CLI's
// camelCase (eventTimestamp, operationName.value, eventDataId), and Azure
// Monitor's export to storage or Event Hubs ({"records":[…]}: time,
// operationName, resultType, callerIpAddress, identity.claims).
// The caller's token claims are read for ids only (appid, idtyp, uti,
// xms_mirid): a claim set is not a token, and no token is ever in the record.
#include <algorithm>
#include <array>
#include <cctype>

#include "ingest/internal/json_reader.h"
#include "ingest/internal/microsoft.h"
#include "ingest/internal/record_parser.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventResult;
using core::PrincipalKind;

// Claim names as Azure Resource Manager writes them.
constexpr std::string_view kObjectIdClaim = "http:~1~1schemas.microsoft.com~1identity~1claims~1objectidentifier";
constexpr std::string_view kNameClaim = "http:~1~1schemas.xmlsoap.org~1ws~12005~105~1identity~1claims~1name";
constexpr std::string_view kUpnClaim = "http:~1~1schemas.xmlsoap.org~1ws~12005~105~1identity~1claims~1upn";
constexpr std::string_view kScopeClaim = "http:~1~1schemas.microsoft.com~1identity~1claims~1scope";

// Microsoft's first-party clients a person drives by hand: the Azure
// portal, Azure CLI, Azure PowerShell
// (https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in).
constexpr std::array<std::string_view, 3> kPersonClients{"c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
                                                         "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                                                         "1950a258-227b-4e31-a9cf-717495945fc2"};

// Built-in Azure roles that grant access to everything they are assigned
// on, including the right to assign roles: Owner, User Access Administrator.
constexpr std::array<std::string_view, 2> kControlRoles{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                                                        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"};

// The same field under each shape's name; the first one present.
std::string_view first_text(JsonReader& r, std::initializer_list<std::string_view> pointers) {
  for (const auto p : pointers) {
    const std::string_view v = r.text(p);
    if (!v.empty() || !r.ok()) return v;
  }
  return {};
}

// A value given as {"value": …, "localizedValue": …} or as plain text.
std::string_view value_of(JsonReader& r, std::string_view member) {
  const auto node = r.node(member);
  if (node && node->is_object()) return r.text(std::string(member) + "/value");
  return r.text(member);
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) { return (a | 0x20) == (b | 0x20); });
  return it != haystack.end();
}

// "/SUBSCRIPTIONS/<ID>/…" -> "<id>": exports write resource ids in upper
// case, the SDK and CLI the subscription id in lower case.
std::string subscription_of(std::string_view resource) {
  constexpr std::string_view kPrefix = "/subscriptions/";
  if (resource.size() <= kPrefix.size() || !contains_ignoring_case(resource.substr(0, kPrefix.size()), kPrefix)) return {};
  const std::string_view rest = resource.substr(kPrefix.size());
  std::string id(rest.substr(0, rest.find('/')));
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

void read_actor(JsonReader& r, std::string_view claims, core::AuditEvent& e) {
  const std::string c(claims);
  const std::string_view caller = r.text("/caller");
  const std::string_view idtyp = r.text(c + "/idtyp");
  const std::string_view app_id = r.text(c + "/appid");
  const std::string_view mi_resource = r.text(c + "/xms_mirid");
  const std::string_view object_id = r.text(c + "/" + std::string(kObjectIdClaim));
  std::string_view upn = r.text(c + "/" + std::string(kUpnClaim));
  if (upn.empty()) upn = r.text(c + "/" + std::string(kNameClaim));
  const std::string_view principal_type = r.text("/identity/authorization/evidence/principalType");
  const bool delegated = !r.text(c + "/" + std::string(kScopeClaim)).empty() || !r.text(c + "/scp").empty();
  const std::string who(!caller.empty() ? caller : !object_id.empty() ? object_id : upn);
  const bool person = idtyp == "user" || (idtyp.empty() && (who.find('@') != std::string::npos || principal_type == "User" ||
                                                           (delegated && principal_type.empty())));
  const bool app = idtyp == "app" || !mi_resource.empty() || principal_type == "ServicePrincipal" ||
                   (idtyp.empty() && !person && !app_id.empty());
  if (app) {
    // The application's appId, as Entra ID's sign-in logs name it.
    e.actor = {std::string(!app_id.empty() ? app_id : who), PrincipalKind::workload, who};
    if (!mi_resource.empty()) e.actor.name = std::string(mi_resource.substr(mi_resource.rfind('/') + 1));
  } else if (person) {
    e.actor = {std::string(who.find('@') == std::string::npos && upn.find('@') != std::string_view::npos ? upn : who),
               PrincipalKind::human, std::string(r.text(c + "/name"))};
    for (const auto client : kPersonClients) e.interactive = e.interactive || app_id == client;
  } else if (!who.empty()) {
    e.actor = {who, PrincipalKind::unknown, {}};
  } else {
    // No caller: Azure's own record (service health, autoscale, policy).
    e.actor = {"Microsoft Azure", PrincipalKind::service, {}};
  }
  e.credential = std::string(r.text(c + "/uti"));
  if (!e.credential.empty()) e.credential_kind = CredentialKind::token;
  const std::string issued = r.scalar_text(c + "/iat");
  if (!issued.empty() && issued.size() <= 11 && issued.find_first_not_of("0123456789") == std::string::npos) {
    e.credential_issued_at = core::Timestamp(std::chrono::seconds(std::stoll(issued)));
  }
}

EventResult result_of(std::string_view status, std::string_view detail) {
  if (status == "Succeeded" || status == "Success" || status == "Accepted" || status == "Accept" || status == "Active" ||
      status == "Resolved") {
    return EventResult::success;
  }
  if (status == "Failed" || status == "Failure") {
    return contains_ignoring_case(detail, "Forbidden") || contains_ignoring_case(detail, "Unauthorized") ||
                   contains_ignoring_case(detail, "AuthorizationFailed")
               ? EventResult::denied
               : EventResult::failure;
  }
  return EventResult::unknown;  // Started: the same operation's end is its own record
}

// An Owner or User Access Administrator role assigned: control of the scope.
void read_signals(JsonReader& r, core::AuditEvent& e) {
  if (e.result != EventResult::success || !contains_ignoring_case(e.action, "Microsoft.Authorization/roleAssignments/write")) {
    return;
  }
  const std::string_view body = first_text(r, {"/properties/requestbody", "/properties/requestBody"});
  for (const auto role : kControlRoles) {
    if (contains_ignoring_case(body, role)) {
      e.signals.push_back("admin_policy_attached");
      return;
    }
  }
}

class AzureActivityParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "an Activity log record must be a JSON object");
    JsonReader r(record);
    const auto category = r.node("/category");
    if (category && category->is_string() && microsoft::entra_export(std::string_view(*category), r.text("/resourceId"))) {
      return sink.refuse(origin, "an Entra ID record (import it as entra)");
    }
    core::AuditEvent e;
    e.source = "azure";
    auto time = r.time("/event_timestamp");
    if (!time && r.ok()) time = r.time("/eventTimestamp");
    if (!time && r.ok()) time = r.time("/time");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (!time) return sink.refuse(origin, "missing event_timestamp (eventTimestamp, time)");
    e.time = *time;
    std::string_view action = first_text(r, {"/authorization/action", "/identity/authorization/action"});
    if (action.empty()) action = value_of(r, "/operation_name");
    if (action.empty()) action = value_of(r, "/operationName");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (action.empty()) return sink.refuse(origin, "missing operation_name (operationName)");
    e.action = std::string(action);
    read_actor(r, r.node("/claims") ? "/claims" : "/identity/claims", e);
    e.resource = std::string(first_text(r, {"/resource_id", "/resourceId", "/authorization/scope", "/identity/authorization/scope"}));
    e.account = std::string(first_text(r, {"/subscription_id", "/subscriptionId"}));
    if (e.account.empty()) e.account = subscription_of(e.resource);
    e.source_address = std::string(first_text(r, {"/http_request/client_ip_address", "/httpRequest/clientIpAddress",
                                                  "/callerIpAddress"}));
    std::string_view status = value_of(r, "/status");
    if (status.empty()) status = r.text("/resultType");
    std::string detail(value_of(r, "/sub_status"));
    detail += value_of(r, "/subStatus");
    detail += first_text(r, {"/resultSignature", "/properties/statusCode"});
    e.result = result_of(status, detail);
    read_signals(r, e);
    e.source_id = std::string(first_text(r, {"/event_data_id", "/eventDataId", "/properties/eventDataId"}));
    if (e.source_id.empty()) e.source_id = std::string(first_text(r, {"/correlation_id", "/correlationId"}));
    if (!r.ok()) return sink.refuse(origin, r.error());
    sink.keep(std::move(e), record, origin);
  }
};

}  // namespace

std::unique_ptr<RecordParser> make_azure_activity_parser() { return std::make_unique<AzureActivityParser>(); }

}  // namespace mandate::ingest
