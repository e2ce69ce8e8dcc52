#include "broker/views.h"

#include "broker/records.h"
#include "core/time.h"

namespace mandate::broker {

nlohmann::json to_json(const TaskView& view) {
  nlohmann::json out = to_json(view.record);
  out["rule_status"] = view.rule_status;
  out["approvals"] = nlohmann::json::array();
  for (const auto& a : view.approvals) out["approvals"].push_back(to_json(a));
  out["mandates"] = nlohmann::json::array();
  for (const auto& m : view.mandates) out["mandates"].push_back(to_json(m));
  return out;
}

nlohmann::json to_json(const IssuedMandate& issued) {
  const auto& m = issued.record.mandate;
  nlohmann::json out = {{"token", issued.token},
                        {"jti", m.id},
                        {"task", m.task_id},
                        {"executor", m.executor},
                        {"expires_at", core::format_timestamp(m.expires_at)},
                        {"max_uses", m.max_uses},
                        {"depth", m.depth},
                        {"ledger_index", issued.ledger_index}};
  if (m.parent_id) out["parent"] = *m.parent_id;
  return out;
}

nlohmann::json to_json(const DecisionResult& d) {
  return {{"decision", d.allow ? "allow" : "deny"},
          {"decided_by", d.decided_by},
          {"reasons", d.reasons},
          {"policy_errors", d.policy_errors},
          {"policy_set", d.policy_set_hash},
          {"mandate", d.mandate_id},
          {"task", d.task_id},
          {"ledger_index", d.ledger_index}};
}

}  // namespace mandate::broker
