// Microsoft 365 Unified Audit Log records: the AuditData of
// Search-UnifiedAuditLog, the Office 365 Management Activity API's content
// blobs, Purview exports. Common schema:
// https://learn.microsoft.com/en-us/office/office-365-management-api/office-365-management-activity-api-schema
// CreationTime has no zone and is UTC. UserType says who acted: people
// (Regular, Admin, PartnerTechnician, Guest), Microsoft's own services
// (DcAdmin, System, CustomPolicy, SystemPolicy), applications
// (Application, ServicePrincipal).
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

struct UserType {
  std::string_view name;
  PrincipalKind kind;
};

// Indexed by the number the record carries; exports that write the name
// are matched by name.
constexpr std::array<UserType, 11> kUserTypes{{
    {"Regular", PrincipalKind::human},
    {"Reserved", PrincipalKind::unknown},
    {"Admin", PrincipalKind::human},
    {"DcAdmin", PrincipalKind::service},  // a Microsoft datacenter operator
    {"System", PrincipalKind::service},
    {"Application", PrincipalKind::workload},
    {"ServicePrincipal", PrincipalKind::workload},
    {"CustomPolicy", PrincipalKind::service},
    {"SystemPolicy", PrincipalKind::service},
    {"PartnerTechnician", PrincipalKind::human},
    {"Guest", PrincipalKind::human},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

PrincipalKind user_kind(JsonReader& r, std::string_view user) {
  // Exchange's own processes, whatever UserType says.
  if (user.starts_with("NT AUTHORITY\\") || user.starts_with("S-1-5-18")) return PrincipalKind::service;
  const auto node = r.node("/UserType");
  if (!node) return user.find('@') != std::string_view::npos ? PrincipalKind::human : PrincipalKind::unknown;
  if (node->is_int64()) {
    const auto n = std::int64_t(*node);
    return n >= 0 && n < std::int64_t(kUserTypes.size()) ? kUserTypes[std::size_t(n)].kind : PrincipalKind::unknown;
  }
  if (!node->is_string()) {
    r.refuse("UserType must be a number or a name");
    return PrincipalKind::unknown;
  }
  const std::string_view name = r.text("/UserType");
  for (const auto& t : kUserTypes) {
    if (equal_ignoring_case(name, t.name)) return t.kind;
  }
  return PrincipalKind::unknown;
}

EventResult result_of(std::string_view status) {
  for (const std::string_view ok : {"True", "Succeeded", "Success", "PartiallySucceeded"}) {
    if (equal_ignoring_case(status, ok)) return EventResult::success;
  }
  for (const std::string_view bad : {"False", "Failed", "Failure"}) {
    if (equal_ignoring_case(status, bad)) return EventResult::failure;
  }
  return EventResult::unknown;
}

// The Name/Value (or Name/NewValue/OldValue) list entry called `name`.
struct NamedValue {
  std::string_view old_value, new_value;
};

std::optional<NamedValue> named(JsonReader& r, std::string_view list, std::string_view name, std::string_view value) {
  const auto node = r.node(list);
  simdjson::dom::array array;
  if (!node || node->get_array().get(array) != simdjson::SUCCESS) return std::nullopt;
  for (const auto item : array) {
    std::string_view n, v, old;
    if (item["Name"].get(n) != simdjson::SUCCESS || n != name) continue;
    if (item[value].get(v) != simdjson::SUCCESS) continue;
    if (item["OldValue"].get(old) != simdjson::SUCCESS) old = {};
    return NamedValue{old, v};
  }
  return std::nullopt;
}

// Entra ID's audit events as the Unified Audit Log repeats them (Workload
// AzureActiveDirectory, Operation "Add member to role." …).
void directory_signals(JsonReader& r, std::string_view operation, core::AuditEvent& e) {
  if (operation.ends_with('.')) operation.remove_suffix(1);
  if (microsoft::is_role_grant(operation)) {
    const auto role = named(r, "/ModifiedProperties", "Role.DisplayName", "NewValue");
    const auto template_id = named(r, "/ModifiedProperties", "Role.TemplateId", "NewValue");
    if ((role && microsoft::privileged_directory_role(role->new_value)) ||
        (template_id && microsoft::privileged_directory_role(template_id->new_value))) {
      e.signals.push_back("admin_policy_attached");
    }
  }
  if (operation == "Add service principal credentials" || operation.starts_with("Update application")) {
    if (const auto keys = named(r, "/ModifiedProperties", "KeyDescription", "NewValue")) {
      const auto added = microsoft::key_ids_added(keys->old_value, keys->new_value);
      if (!added.empty()) {
        e.category = EventCategory::credential_issued;
        e.issued_credential = added.front();
        e.signals.push_back("app_credential_added");
      }
    }
  }
}

class M365Parser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "a Unified Audit Log record must be a JSON object");
    JsonReader r(record);
    core::AuditEvent e;
    e.source = "m365";
    const std::string_view created = r.text("/CreationTime");
    const std::string_view operation = r.text("/Operation");
    const std::string_view workload = r.text("/Workload");
    std::string_view user = r.text("/UserId");
    if (user.empty()) user = r.text("/UserKey");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (created.empty()) return sink.refuse(origin, "missing CreationTime");
    const auto time = microsoft::utc_time(created);
    if (!time) return sink.refuse(origin, "CreationTime is not an ISO 8601 time");
    if (operation.empty()) return sink.refuse(origin, "missing Operation");
    if (user.empty()) return sink.refuse(origin, "missing UserId and UserKey");
    e.time = *time;
    e.actor = {std::string(user), user_kind(r, user), {}};
    const std::string_view app_id = r.text("/AppId");
    if (e.actor.kind == PrincipalKind::workload && !app_id.empty()) {
      // The application's appId, as Entra ID's logs name it.
      e.actor = {std::string(app_id), PrincipalKind::workload, std::string(user)};
    }
    e.action = std::string(workload.empty() ? "m365" : workload) + ":" + std::string(operation);
    e.resource = r.scalar_text("/ObjectId");
    e.account = std::string(r.text("/OrganizationId"));
    e.source_address = std::string(r.text("/ClientIP"));
    if (e.source_address.empty()) e.source_address = std::string(r.text("/ClientIPAddress"));
    e.user_agent = std::string(r.text("/UserAgent"));
    if (e.user_agent.empty()) {
      if (const auto agent = named(r, "/ExtendedProperties", "UserAgent", "Value")) e.user_agent = std::string(agent->new_value);
    }
    e.interactive = e.user_agent.starts_with("Mozilla/");
    e.result = result_of(r.text("/ResultStatus"));
    if (operation == "UserLoggedIn" || operation == "UserLoginFailed") {
      e.category = EventCategory::authentication;
      e.credential_kind = CredentialKind::password;
      if (operation == "UserLoginFailed") e.result = EventResult::failure;
    }
    if (workload == "AzureActiveDirectory") directory_signals(r, operation, e);
    e.source_id = std::string(r.text("/Id"));
    if (!r.ok()) return sink.refuse(origin, r.error());
    sink.keep(std::move(e), record, origin);
  }
};

}  // namespace

std::unique_ptr<RecordParser> make_m365_parser() { return std::make_unique<M365Parser>(); }

}  // namespace mandate::ingest
