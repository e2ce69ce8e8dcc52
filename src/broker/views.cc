#include "broker/views.h"

#include "broker/records.h"
#include "core/time.h"
#include "encoding/json.h"

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

namespace {

void append_name(std::string& out, std::string_view name) {
  out += '"';
  out += name;
  out += "\":";
}

bool append_member(std::string& out, std::string_view name, std::string_view text) {
  append_name(out, name);
  return encoding::append_canonical_string(out, text);
}

bool append_member(std::string& out, std::string_view name, const std::vector<std::string>& texts) {
  append_name(out, name);
  out += '[';
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) out += ',';
    if (!encoding::append_canonical_string(out, texts[i])) return false;
  }
  out += ']';
  return true;
}

}  // namespace

std::optional<std::string> decision_answer_text(const DecisionResult& d) {
  // The names in to_json's order, which is nlohmann's (std::map's) byte order.
  std::string out;
  out.reserve(256);
  out += '{';
  bool ok = append_member(out, "decided_by", d.decided_by);
  out += ',';
  ok = ok && append_member(out, "decision", d.allow ? "allow" : "deny");
  out += ",\"ledger_index\":";
  out += std::to_string(d.ledger_index);
  out += ',';
  ok = ok && append_member(out, "mandate", d.mandate_id);
  out += ',';
  ok = ok && append_member(out, "policy_errors", d.policy_errors);
  out += ',';
  ok = ok && append_member(out, "policy_set", d.policy_set_hash);
  out += ',';
  ok = ok && append_member(out, "reasons", d.reasons);
  out += ',';
  ok = ok && append_member(out, "task", d.task_id);
  out += '}';
  if (!ok) return std::nullopt;
  return out;
}

nlohmann::json to_json(const AwaitingDecision& a) {
  const core::Task& t = a.task.task;
  nlohmann::json executor = {{"id", t.executor}, {"kind", nullptr}, {"owner", nullptr}};
  if (a.executor) {
    executor["kind"] = core::to_string(a.executor->kind);
    if (a.executor->owner) executor["owner"] = *a.executor->owner;
  }
  nlohmann::json scope_text = nlohmann::json::array();
  for (const auto& detail : t.requested_scope) scope_text.push_back(core::describe(detail));
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : a.rules) {
    rules.push_back({{"id", r.rule},
                     {"status", r.status},
                     {"approvals_have", r.approvals_have},
                     {"approvals_need", r.approvals_need},
                     {"groups", r.groups}});
  }
  return {{"id", t.id},
          {"intent", t.intent},
          {"ref", t.external_ref ? nlohmann::json(*t.external_ref) : nlohmann::json(nullptr)},
          {"initiator", t.initiator},
          {"executor", executor},
          {"scope", to_json(t.requested_scope)},
          {"scope_text", scope_text},
          {"audience", t.audience},
          {"duration", format_duration(t.requested_duration)},
          {"created_at", core::format_timestamp(t.created_at)},
          {"rules", rules},
          // A requested task has no deadline: its window opens when it is approved.
          {"expires_at", nullptr},
          {"seconds_left", nullptr}};
}

nlohmann::json to_json(const FoundDecision& f) {
  const nlohmann::json& e = f.entry;
  const nlohmann::json data = e.value("data", nlohmann::json::object());
  const nlohmann::json refs = e.value("refs", nlohmann::json::object());
  const auto field = [](const nlohmann::json& object, const char* name) {
    const auto it = object.find(name);
    return it == object.end() ? nlohmann::json(nullptr) : *it;
  };
  return {{"ledger_index", f.ledger_index},
          {"time", field(e, "time")},
          {"decision", field(data, "decision")},
          {"decided_by", field(data, "decided_by")},
          {"reasons", data.value("reasons", nlohmann::json::array())},
          {"action", field(data, "action")},
          {"resource", field(data, "resource")},
          {"audience", field(data, "audience")},
          {"policy_set", field(data, "policy_set")},
          {"task", field(refs, "task")},
          {"mandate", field(refs, "mandate")},
          {"executor", f.executor.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.executor)},
          {"presenter", field(e, "actor")},
          {"asked_by", field(data, "asked_by")}};
}

}  // namespace mandate::broker
