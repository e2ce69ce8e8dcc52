#include "export/ocsf.h"

#include <array>
#include <cctype>

#include "crypto/sha256.h"
#include "encoding/hex.h"

namespace mandate::exporting {
namespace {

using nlohmann::json;

std::int64_t millis(core::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json metadata(std::string_view uid) {
  return {{"version", std::string(kOcsfVersion)},
          {"uid", std::string(uid)},
          {"product", {{"name", "mandate"}, {"vendor_name", "mandate"}, {"version", "0.1.0"}}}};
}

// The verb of an operation: "sts:AssumeRole" -> "AssumeRole",
// "create secrets" -> "create", "github:repo.create" -> "create".
std::string verb_of(std::string_view action) {
  if (const auto colon = action.find(':'); colon != std::string_view::npos) action.remove_prefix(colon + 1);
  if (const auto space = action.find(' '); space != std::string_view::npos) action = action.substr(0, space);
  if (const auto dot = action.rfind('.'); dot != std::string_view::npos) action.remove_prefix(dot + 1);
  std::string out(action);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (const auto p : prefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

// API Activity's activity_id: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other.
int activity_of(std::string_view action) {
  const std::string verb = verb_of(action);
  if (starts_with_any(verb, {"create", "put", "add", "attach", "run", "start", "assume", "issue", "login", "post"})) return 1;
  if (starts_with_any(verb, {"get", "list", "describe", "read", "watch", "lookup", "head", "help"})) return 2;
  if (starts_with_any(verb, {"update", "modify", "set", "patch", "change", "enable", "rotate", "reset"})) return 3;
  if (starts_with_any(verb, {"delete", "remove", "detach", "destroy", "revoke", "disable", "stop", "terminate"})) return 4;
  return 99;
}

constexpr std::array<std::string_view, 5> kActivityNames{"Unknown", "Create", "Read", "Update", "Delete"};

// OCSF user.type_id: 1 User, 3 System, 4 Service, 0 Unknown.
int user_type(core::PrincipalKind kind) {
  switch (kind) {
    case core::PrincipalKind::human: return 1;
    case core::PrincipalKind::workload:
    case core::PrincipalKind::agent: return 4;
    case core::PrincipalKind::service: return 3;
    case core::PrincipalKind::unknown: return 0;
  }
  return 0;
}

bool looks_like_ip(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != ':') return false;
  }
  return true;
}

json endpoint(const core::AuditEvent& e) {
  if (looks_like_ip(e.source_address)) return {{"ip", e.source_address}};
  // The endpoint needs at least one identifying attribute; a service name
  // ("AWS Internal", "ec2.amazonaws.com") is a name.
  return {{"name", e.source_address.empty() ? "unknown" : e.source_address}};
}

std::string_view provider(std::string_view source) {
  if (source == "cloudtrail") return "AWS";
  if (source == "k8s-audit") return "Kubernetes";
  if (source == "vault") return "HashiCorp Vault";
  if (source == "github") return "GitHub";
  if (source == "ledger") return "mandate";
  return source.empty() ? "unknown" : source;
}

json chain_json(const core::AuditEvent& e) {
  json chain = json::array();
  for (const auto& link : e.chain) {
    chain.push_back({{"relation", core::to_string(link.relation)},
                     {"id", link.principal.id},
                     {"kind", core::to_string(link.principal.kind)}});
  }
  return chain;
}

}  // namespace

json ocsf_api_activity(const core::AuditEvent& e) {
  const int activity = activity_of(e.action);
  const int status = e.result == core::EventResult::success ? 1 : e.result == core::EventResult::unknown ? 0 : 2;
  json user = {{"uid", e.actor.id}, {"type_id", user_type(e.actor.kind)}, {"type", core::to_string(e.actor.kind)}};
  if (!e.actor.name.empty()) user["name"] = e.actor.name;
  if (!e.credential.empty()) user["credential_uid"] = e.credential;
  if (!e.account.empty()) user["account"] = {{"uid", e.account}};
  json out = {
      {"class_uid", kApiActivityClass},
      {"class_name", "API Activity"},
      {"category_uid", 6},
      {"category_name", "Application Activity"},
      {"activity_id", activity},
      {"activity_name", activity == 99 ? e.action : std::string(kActivityNames[static_cast<std::size_t>(activity)])},
      {"type_uid", kApiActivityClass * 100 + activity},
      {"severity_id", 1},
      {"severity", "Informational"},
      {"time", millis(e.time)},
      {"status_id", status},
      {"status", status == 1 ? "Success" : status == 2 ? "Failure" : "Unknown"},
      {"metadata", metadata(e.id)},
      {"actor", {{"user", user}}},
      {"api", {{"operation", e.action}, {"service", {{"name", e.source}}}}},
      {"src_endpoint", endpoint(e)},
      {"cloud", {{"provider", std::string(provider(e.source))}}},
      {"unmapped",
       {{"mandate",
         {{"chain", chain_json(e)},
          {"signals", e.signals},
          {"interactive", e.interactive},
          {"correlated_parent", e.parent_id},
          {"origin", e.origin}}}}},
  };
  out["metadata"]["log_name"] = e.source;
  if (!e.account.empty()) out["cloud"]["account"] = {{"uid", e.account}};
  if (!e.resource.empty()) out["resources"] = json::array({{{"uid", e.resource}}});
  if (!e.user_agent.empty()) out["http_request"] = {{"user_agent", e.user_agent}};
  if (status == 2) out["status_detail"] = std::string(core::to_string(e.result));
  return out;
}

json ocsf_detection_finding(const analyze::Finding& f, core::Timestamp generated) {
  // Stable across runs: the same rule about the same subject is one finding.
  const auto digest = crypto::sha256(std::string(f.rule->id) + "\n" + f.subject);
  const std::string uid = encoding::hex_encode(std::span<const std::uint8_t>(digest.data(), 16));
  json mappings = json::array();
  for (const auto& m : f.rule->mappings) {
    mappings.push_back({{"framework", std::string(m.framework)}, {"item", std::string(m.item)}});
  }
  const int severity = static_cast<int>(f.rule->severity) + 2;  // low 2 … critical 5
  constexpr std::array<std::string_view, 4> kSeverityNames{"Low", "Medium", "High", "Critical"};
  return {
      {"class_uid", kDetectionFindingClass},
      {"class_name", "Detection Finding"},
      {"category_uid", 2},
      {"category_name", "Findings"},
      {"activity_id", 1},
      {"activity_name", "Create"},
      {"type_uid", kDetectionFindingClass * 100 + 1},
      {"severity_id", severity},
      {"severity", std::string(kSeverityNames[static_cast<std::size_t>(f.rule->severity)])},
      {"time", millis(generated)},
      {"status_id", 1},
      {"status", "New"},
      {"message", f.explanation},
      {"metadata", metadata(uid)},
      {"finding_info",
       {{"uid", uid},
        {"title", std::string(f.rule->title)},
        {"desc", f.explanation},
        {"types", json::array({std::string(f.rule->id)})},
        {"analytic", {{"uid", std::string(f.rule->id)}, {"name", std::string(f.rule->id)}, {"type_id", 1}, {"type", "Rule"}}},
        {"first_seen_time", millis(f.first_seen)},
        {"last_seen_time", millis(f.last_seen)}}},
      {"remediation", {{"desc", std::string(f.rule->remediation)}}},
      {"resources", json::array({{{"uid", f.subject}}})},
      {"unmapped",
       {{"mandate",
         {{"subject", f.subject},
          {"evidence", f.evidence},
          {"evidence_count", f.evidence_count},
          {"mappings", mappings}}}}},
  };
}

}  // namespace mandate::exporting
