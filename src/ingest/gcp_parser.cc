// Google Cloud audit logs: LogEntry objects whose protoPayload is an
// AuditLog, as `gcloud logging read --format=json` prints them (an array),
// as JSON lines, as a Pub/Sub subscription delivers them (the entry base64
// in message.data), and as BigQuery sinks store them (the payload in the
// protopayload_auditlog column). References:
// https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry,
// https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog,
// https://cloud.google.com/logging/docs/export/bigquery (column names).
#include <cctype>
#include <string>

#include "encoding/base64.h"
#include "ingest/internal/json_reader.h"
#include "ingest/internal/record_parser.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

constexpr std::string_view kAuditLogType = "type.googleapis.com/google.cloud.audit.AuditLog";

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Google-managed service agents act for the platform; other service
// accounts run someone's code. principal:// subjects are federated: people
// from a workforce pool, programs from a workload identity pool.
PrincipalKind principal_kind(std::string_view who) {
  if (who.starts_with("system:serviceaccount:")) return PrincipalKind::workload;  // GKE through Cloud Logging
  if (who.starts_with("system:")) return PrincipalKind::service;
  if (who.starts_with("principal://") || who.starts_with("principalSet://")) {
    return contains(who, "/workforcePools/") ? PrincipalKind::human : PrincipalKind::workload;
  }
  if (who.ends_with(".gserviceaccount.com")) {
    const bool agent = contains(who, "@gcp-sa-") || contains(who, "-system.iam.gserviceaccount.com") ||
                       who.ends_with("@cloudservices.gserviceaccount.com");
    return agent ? PrincipalKind::service : PrincipalKind::workload;
  }
  return who.find('@') != std::string_view::npos ? PrincipalKind::human : PrincipalKind::unknown;
}

// principalSubject is "user:alice@…", "serviceAccount:…@…" or a principal://
// URI; the prefix says what principalEmail would have said.
std::string_view without_member_prefix(std::string_view subject) {
  for (const std::string_view prefix : {"user:", "serviceAccount:"}) {
    if (subject.starts_with(prefix)) return subject.substr(prefix.size());
  }
  return subject;
}

core::Principal principal(std::string_view email, std::string_view subject) {
  const std::string_view who = !email.empty() ? email : without_member_prefix(subject);
  return {std::string(who), principal_kind(who), {}};
}

// "projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com/keys/KEYID" -> KEYID.
// Also finds the name inside a BigQuery export's responseJson string.
std::string key_id(std::string_view name) {
  const auto at = name.find("/keys/");
  if (at == std::string_view::npos) return {};
  const std::string_view rest = name.substr(at + 6);
  return std::string(rest.substr(0, rest.find('"')));
}

// "google.iam.admin.v1.CreateServiceAccountKey" -> "CreateServiceAccountKey".
std::string_view method_base(std::string_view method) {
  const auto dot = method.rfind('.');
  return dot == std::string_view::npos ? method : method.substr(dot + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// LogEntry times are RFC 3339 with nanoseconds; BigQuery exports write
// "2024-05-01 10:00:00.123456 UTC".
std::optional<core::Timestamp> entry_time(JsonReader& r, std::string_view pointer) {
  std::string t(r.text(pointer));
  if (t.empty()) return std::nullopt;
  if (t.ends_with(" UTC")) t.replace(t.size() - 4, 4, "Z");
  auto parsed = parse_source_time(t);
  if (!parsed) r.refuse(field_name(pointer) + " is not an RFC 3339 time");
  return parsed;
}

// Reads one AuditLog payload under `p` ("/protoPayload" or, from BigQuery,
// "/protopayload_auditlog").
class EntryReader {
 public:
  EntryReader(JsonReader& r, std::string p) : r_(r), p_(std::move(p)) {}

  std::string_view text(std::string_view field) { return r_.text(p_ + std::string(field)); }
  std::optional<simdjson::dom::element> node(std::string_view field) { return r_.node(p_ + std::string(field)); }

  // The chain of service-account impersonation, nearest first: the payload
  // lists it in the order delegation happened, so the original caller first.
  void delegation(core::AuditEvent& e) {
    const std::string at = p_ + "/authenticationInfo/serviceAccountDelegationInfo";
    const auto node = r_.node(at);
    if (!node) return;
    simdjson::dom::array links;
    if (node->get_array().get(links) != simdjson::SUCCESS) return r_.refuse(field_name(at) + " must be an array");
    std::vector<core::DelegationLink> chain;
    for (const auto link : links) {
      JsonReader l(link);
      std::string_view email = l.text("/firstPartyPrincipal/principalEmail");
      if (email.empty()) email = l.text("/thirdPartyPrincipal/thirdPartyClaims/email");
      const std::string_view subject = l.text("/principalSubject");
      if (!l.ok()) return r_.refuse(field_name(at) + ": " + l.error());
      auto who = principal(email, subject);
      if (!who.id.empty()) chain.push_back({Relation::impersonated_by, std::move(who)});
    }
    e.chain.insert(e.chain.end(), chain.rbegin(), chain.rend());
  }

  EventResult result() {
    const auto code = r_.integer(p_ + "/status/code");
    if (code && *code != 0) {
      // google.rpc.Code: 7 PERMISSION_DENIED, 16 UNAUTHENTICATED.
      return *code == 7 || *code == 16 ? EventResult::denied : EventResult::failure;
    }
    // Without a status, a permission check the entry records as not granted
    // still means the call was refused.
    return any_permission_refused() ? EventResult::denied : EventResult::success;
  }

  bool any_permission_refused() {
    const auto checks = node("/authorizationInfo");
    simdjson::dom::array items;
    if (!checks || checks->get_array().get(items) != simdjson::SUCCESS) return false;
    for (const auto check : items) {
      bool granted = true;
      if (check["granted"].get(granted) == simdjson::SUCCESS && !granted) return true;
    }
    return false;
  }

  // A SetIamPolicy whose policy delta adds roles/owner or roles/editor. The
  // delta, not the request's whole policy: that repeats every existing
  // binding, so any later change to a project with an owner would match.
  bool grants_admin_role() {
    for (const std::string_view at : {"/serviceData/policyDelta/bindingDeltas", "/metadata/policyDelta/bindingDeltas",
                                      "/servicedata_v1_iam/policyDelta/bindingDeltas"}) {
      const auto deltas = node(at);
      if (!deltas) continue;
      simdjson::dom::array items;
      if (deltas->get_array().get(items) != simdjson::SUCCESS) {
        r_.refuse(field_name(p_ + std::string(at)) + " must be an array");
        return false;
      }
      for (const auto d : items) {
        JsonReader delta(d);
        const std::string_view role = delta.text("/role");
        if (delta.text("/action") == "ADD" && (role == "roles/owner" || role == "roles/editor")) return true;
      }
    }
    return false;
  }

 private:
  JsonReader& r_;
  std::string p_;
};

// Issued credentials and privilege grants, by method.
void classify(EntryReader& p, std::string_view method, core::AuditEvent& e) {
  const std::string_view base = method_base(method);
  const bool succeeded = e.result == EventResult::success;
  if (base == "CreateServiceAccountKey" && succeeded) {
    // The key's name, never privateKeyData (redacted if present at all).
    e.category = EventCategory::credential_issued;
    e.issued_credential = key_id(p.text("/response/name"));
    if (e.issued_credential.empty()) e.issued_credential = key_id(p.text("/responseJson"));
    const std::string_view account = p.text("/request/name");
    if (!account.empty()) e.resource = std::string(account);
  } else if ((base == "GenerateAccessToken" || base == "GenerateIdToken") && succeeded) {
    // The token itself is never logged; what it was for is the service account.
    e.category = EventCategory::credential_issued;
    const std::string_view account = p.text("/request/name");
    if (!account.empty()) e.resource = std::string(account);
  } else if (iequals(base, "SetIamPolicy") && succeeded && p.grants_admin_role()) {
    e.signals.push_back("admin_policy_attached");
  }
}

class GcpParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "a Google Cloud log entry must be a JSON object");
    simdjson::dom::element message;
    if (record.at_pointer("/message/data").get(message) == simdjson::SUCCESS) return pubsub(message, origin, sink);
    entry(record, origin, sink);
  }

 private:
  // A Pub/Sub push body ({"message":{"data":…},"subscription":…}) or one
  // element of `gcloud pubsub subscriptions pull --format=json`: the entry
  // is the message's base64 data.
  void pubsub(simdjson::dom::element data, const std::string& origin, ParseSink& sink) {
    std::string_view encoded;
    if (data.get_string().get(encoded) != simdjson::SUCCESS) return sink.refuse(origin, "message.data must be a string");
    const auto decoded = encoding::base64_decode(encoded);
    if (!decoded) return sink.refuse(origin, "message.data is not base64");
    if (inner_.capacity() == 0 && inner_.allocate(64 * 1024, 64) != simdjson::SUCCESS) {
      return sink.refuse(origin, "cannot allocate a JSON parser for message.data");
    }
    simdjson::dom::element inner;
    const std::string_view json(reinterpret_cast<const char*>(decoded->data()), decoded->size());
    if (inner_.parse(json.data(), json.size(), true).get(inner) != simdjson::SUCCESS) {
      return sink.refuse(origin, "message.data is not a JSON log entry");
    }
    if (!inner.is_object()) return sink.refuse(origin, "message.data is not a JSON log entry");
    entry(inner, origin, sink);
  }

  void entry(simdjson::dom::element record, const std::string& origin, ParseSink& sink) {
    JsonReader r(record);
    std::string payload = "/protoPayload";
    if (const auto proto = r.node(payload)) {
      const std::string_view type = r.text(payload + "/@type");
      if (!r.ok()) return sink.refuse(origin, r.error());
      if (type != kAuditLogType) {
        return sink.skip(type.empty() ? std::string("not an audit log: a protoPayload without @type")
                                      : "not an audit log: protoPayload of type " + std::string(utf8_prefix(type, 80)));
      }
    } else if (r.node("/protopayload_auditlog")) {
      payload = "/protopayload_auditlog";
    } else if (r.node("/jsonPayload") || r.node("/textPayload")) {
      return sink.skip("not an audit log: a jsonPayload or textPayload entry");
    } else if (!r.node("/logName") && !r.node("/insertId")) {
      return sink.refuse(origin, "not a Google Cloud LogEntry (no logName, insertId or payload)");
    } else {
      return sink.skip("not an audit log: a LogEntry without a payload");
    }
    auto time = entry_time(r, "/timestamp");
    if (!time && r.ok()) time = entry_time(r, "/receiveTimestamp");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (!time) return sink.refuse(origin, "missing timestamp");
    EntryReader p(r, payload);
    const std::string_view method = p.text("/methodName");
    const std::string_view service = p.text("/serviceName");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (method.empty()) return sink.refuse(origin, "missing " + field_name(payload) + ".methodName");
    core::AuditEvent e;
    e.source = "gcp";
    e.time = *time;
    e.actor = principal(p.text("/authenticationInfo/principalEmail"), p.text("/authenticationInfo/principalSubject"));
    // Callers outside the organization are redacted from the entry.
    if (e.actor.id.empty()) e.actor.id = "anonymous";
    p.delegation(e);
    const std::string key = key_id(p.text("/authenticationInfo/serviceAccountKeyName"));
    if (!key.empty()) {
      e.credential = key;
      e.credential_kind = CredentialKind::access_key;
    }
    e.action = std::string(service.substr(0, service.find('.'))) + ":" + std::string(method);
    e.resource = std::string(p.text("/resourceName"));
    e.account = std::string(r.text("/resource/labels/project_id"));
    e.source_address = std::string(p.text("/requestMetadata/callerIp"));
    e.user_agent = std::string(p.text("/requestMetadata/callerSuppliedUserAgent"));
    e.interactive = e.user_agent.starts_with("Mozilla/");
    e.result = p.result();
    classify(p, method, e);
    e.source_id = std::string(r.text("/insertId"));
    if (!r.ok()) return sink.refuse(origin, r.error());
    sink.keep(std::move(e), record, origin);
  }

  // For entries inside Pub/Sub messages, with the importer's depth limit
  // (kept when the parser grows for a larger entry).
  simdjson::dom::parser inner_;
};

}  // namespace

std::unique_ptr<RecordParser> make_gcp_parser() { return std::make_unique<GcpParser>(); }

}  // namespace mandate::ingest
