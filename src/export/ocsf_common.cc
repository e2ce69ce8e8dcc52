#include "export/internal/ocsf_common.h"

#include <cctype>

#include "export/ocsf.h"

namespace mandate::exporting::detail {

using nlohmann::json;

std::int64_t millis(core::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json metadata(std::string_view uid) {
  return {{"version", std::string(kOcsfVersion)},
          {"uid", std::string(uid)},
          {"product", {{"name", "mandate"}, {"vendor_name", "mandate"}, {"version", "0.1.0"}}}};
}

namespace {

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

json user_of(const core::Principal& p, std::string_view credential, std::string_view account) {
  json user = {{"uid", p.id}, {"type_id", user_type(p.kind)}, {"type", core::to_string(p.kind)}};
  if (!p.name.empty()) user["name"] = p.name;
  if (!credential.empty()) user["credential_uid"] = std::string(credential);
  if (!account.empty()) user["account"] = {{"uid", std::string(account)}};
  return user;
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

int status_of(core::EventResult result) {
  return result == core::EventResult::success ? 1 : result == core::EventResult::unknown ? 0 : 2;
}

std::string_view status_name(int status_id) { return status_id == 1 ? "Success" : status_id == 2 ? "Failure" : "Unknown"; }

json unmapped_of(const core::AuditEvent& e) {
  return {{"mandate",
           {{"chain", chain_json(e)},
            {"signals", e.signals},
            {"interactive", e.interactive},
            {"correlated_parent", e.parent_id},
            {"origin", e.origin}}}};
}

json base_event(const core::AuditEvent& e, int category_uid, std::string_view category_name, int class_uid,
                std::string_view class_name, int activity_id, std::string_view activity_name) {
  const int status = status_of(e.result);
  json out = {
      {"class_uid", class_uid},
      {"class_name", std::string(class_name)},
      {"category_uid", category_uid},
      {"category_name", std::string(category_name)},
      {"activity_id", activity_id},
      {"activity_name", std::string(activity_name)},
      {"type_uid", class_uid * 100 + activity_id},
      {"severity_id", 1},
      {"severity", "Informational"},
      {"time", millis(e.time)},
      {"status_id", status},
      {"status", std::string(status_name(status))},
      {"metadata", metadata(e.id)},
      {"unmapped", unmapped_of(e)},
  };
  out["metadata"]["log_name"] = e.source;
  if (status == 2) out["status_detail"] = std::string(core::to_string(e.result));
  return out;
}

void add_cloud_profile(json& out, const core::AuditEvent& e) {
  out["metadata"]["profiles"] = json::array({"cloud"});
  out["cloud"] = {{"provider", std::string(provider(e.source))}};
  if (!e.account.empty()) out["cloud"]["account"] = {{"uid", e.account}};
  out["api"] = {{"operation", e.action}, {"service", {{"name", e.source}}}};
}

}  // namespace mandate::exporting::detail
