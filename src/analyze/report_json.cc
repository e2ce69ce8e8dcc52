#include "analyze/report_json.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace mandate::analyze {

using nlohmann::json;

json to_json(const Finding& f) {
  json mappings = json::array();
  for (const auto& m : f.rule->mappings) mappings.push_back({{"framework", m.framework}, {"item", m.item}});
  return {{"rule", f.rule->id},
          {"title", f.rule->title},
          {"severity", to_string(f.rule->severity)},
          {"subject", f.subject},
          {"explanation", f.explanation},
          {"evidence", f.evidence},
          {"evidence_source_ids", f.evidence_source_ids},
          {"behind", f.behind},
          {"evidence_count", f.evidence_count},
          {"first_seen", core::format_timestamp(f.first_seen)},
          {"last_seen", core::format_timestamp(f.last_seen)},
          {"remediation", f.rule->remediation},
          {"mappings", mappings}};
}

json to_json(const core::AuditEvent& e) {
  json chain = json::array();
  for (const auto& l : e.chain) {
    chain.push_back({{"relation", core::to_string(l.relation)}, {"id", l.principal.id}, {"kind", core::to_string(l.principal.kind)}});
  }
  return {{"id", e.id},
          {"source", e.source},
          {"source_id", e.source_id},
          {"account", e.account},
          {"time", core::format_timestamp(e.time)},
          {"actor", {{"id", e.actor.id}, {"kind", core::to_string(e.actor.kind)}, {"name", e.actor.name}}},
          {"credential", e.credential},
          {"credential_kind", core::to_string(e.credential_kind)},
          {"chain", chain},
          {"category", core::to_string(e.category)},
          {"action", e.action},
          {"resource", e.resource},
          {"result", core::to_string(e.result)},
          {"source_address", e.source_address},
          {"issued_credential", e.issued_credential},
          {"parent", e.parent_id},
          {"origin", e.origin}};
}

AnalyzeConfig read_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(ErrorKind::bad_input, file.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  auto config = parse_analyze_config(text.str(), file.string());
  if (!config) fail(ErrorKind::bad_input, config.error());
  return *config;
}

AnalyzeConfig read_config_if_present(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  return read_config(file);
}

}  // namespace mandate::analyze
