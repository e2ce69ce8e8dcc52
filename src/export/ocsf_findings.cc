// Findings as OCSF 1.3.0 Detection Finding (2004) or Compliance Finding
// (2003). Detection is the default: each rule detects a risk in observed
// activity, which is what a SIEM alerts on. Compliance presents the same
// finding as a failed check of the catalogue's controls (OWASP NHI Top 10,
// NIST CSF 2.0, NIST AI RMF) for posture and audit tools.
#include <array>
#include <set>

#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "export/ocsf.h"
#include "export/internal/ocsf_common.h"

namespace mandate::exporting {
namespace {

using nlohmann::json;
using namespace detail;

// Stable across runs: the same rule about the same subject is one finding.
std::string finding_uid(const analyze::Finding& f) {
  const auto digest = crypto::sha256(std::string(f.rule->id) + "\n" + f.subject);
  return encoding::hex_encode(std::span<const std::uint8_t>(digest.data(), 16));
}

json mappings_of(const analyze::Finding& f) {
  json mappings = json::array();
  for (const auto& m : f.rule->mappings) {
    mappings.push_back({{"framework", std::string(m.framework)}, {"item", std::string(m.item)}});
  }
  return mappings;
}

// The rule's ATT&CK techniques as OCSF `attack` objects: a sub-technique
// ("T1562.008") names its technique ("T1562") too.
json attacks_of(const analyze::Finding& f) {
  json attacks = json::array();
  for (const auto& m : f.rule->mappings) {
    if (m.framework != "mitre-attack") continue;
    const std::string id(m.item);
    const auto dot = id.find('.');
    json attack = {{"technique", {{"uid", id.substr(0, dot)}}}};
    if (dot != std::string::npos) attack["sub_technique"] = {{"uid", id}};
    attacks.push_back(std::move(attack));
  }
  return attacks;
}

// What every finding class shares (OCSF's `finding` base class).
json finding_base(const analyze::Finding& f, core::Timestamp generated, int class_uid, std::string_view class_name) {
  const std::string uid = finding_uid(f);
  const int severity = static_cast<int>(f.rule->severity) + 2;  // low 2 … critical 5
  constexpr std::array<std::string_view, 4> kSeverityNames{"Low", "Medium", "High", "Critical"};
  return {
      {"class_uid", class_uid},
      {"class_name", std::string(class_name)},
      {"category_uid", 2},
      {"category_name", "Findings"},
      {"activity_id", 1},
      {"activity_name", "Create"},
      {"type_uid", class_uid * 100 + 1},
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
        {"first_seen_time", millis(f.first_seen)},
        {"last_seen_time", millis(f.last_seen)}}},
      {"remediation", {{"desc", std::string(f.rule->remediation)}}},
      {"resources", json::array({{{"uid", f.subject}}})},
      {"unmapped",
       {{"mandate",
         {{"subject", f.subject},
          {"evidence", f.evidence},
          {"evidence_source_ids", f.evidence_source_ids},
          {"evidence_count", f.evidence_count},
          {"behind", f.behind},
          {"mappings", mappings_of(f)}}}}},
  };
}

}  // namespace

json ocsf_detection_finding(const analyze::Finding& f, core::Timestamp generated) {
  json out = finding_base(f, generated, kDetectionFindingClass, "Detection Finding");
  if (json attacks = attacks_of(f); !attacks.empty()) out["finding_info"]["attacks"] = std::move(attacks);
  out["finding_info"]["analytic"] = {
      {"uid", std::string(f.rule->id)}, {"name", std::string(f.rule->id)}, {"type_id", 1}, {"type", "Rule"}};
  return out;
}

json ocsf_compliance_finding(const analyze::Finding& f, core::Timestamp generated) {
  json out = finding_base(f, generated, kComplianceFindingClass, "Compliance Finding");
  std::set<std::string> standards;
  json requirements = json::array();
  std::string control;
  for (const auto& m : f.rule->mappings) {
    standards.insert(std::string(m.framework));
    requirements.push_back(std::string(m.framework) + ":" + std::string(m.item));
    control += (control.empty() ? "" : ", ") + std::string(m.item);
  }
  // Compliance status 3 Fail: a finding is a control that did not hold.
  out["compliance"] = {{"standards", standards}, {"requirements", requirements}, {"status_id", 3}, {"status", "Fail"}};
  if (!control.empty()) out["compliance"]["control"] = control;
  out["compliance"]["status_detail"] = std::string(f.rule->id);
  return out;
}

json ocsf_finding(const analyze::Finding& f, core::Timestamp generated, FindingClass as) {
  return as == FindingClass::compliance ? ocsf_compliance_finding(f, generated) : ocsf_detection_finding(f, generated);
}

}  // namespace mandate::exporting
