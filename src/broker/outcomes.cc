// How privilege ends: outcomes and revocation.
#include <algorithm>

#include "broker/broker.h"
#include "broker/key_acceptance.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "core/ids.h"
#include "core/error.h"
#include "keys/keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "token/mandate_token.h"
#include "token/proof.h"
#include "token/public_key.h"

namespace mandate::broker {

Recorded Broker::complete(const Caller& caller, const std::string& task_id, core::OutcomeResult result,
                          const std::string& result_digest) {
  auto task = get_task(store_, task_id);
  if (task.value.task.state != core::TaskState::active) {
    fail(ErrorKind::bad_input, "task " + task_id + " is " + std::string(core::to_string(task.value.task.state)) +
                                   "; only an active task has an outcome");
  }
  if (caller.actor_id != task.value.task.executor && caller.actor_id != task.value.task.initiator) {
    fail(ErrorKind::bad_input, "the outcome of task " + task_id + " is reported by its executor or initiator");
  }
  const core::Timestamp at = now();
  auto mandates = task_mandates(store_, task_id);
  if (mandates.empty()) fail(ErrorKind::bad_input, "task " + task_id + " has no mandate whose outcome could be reported");
  // The outcome answers for the latest mandate; all of them end with it.
  core::Outcome outcome{task_id, mandates.back().value.mandate.id, result, result_digest, at};
  if (auto ok = core::validate_outcome(outcome); !ok) fail(ErrorKind::bad_input, "outcome: " + ok.error());
  task.value.outcome = outcome;
  task.value.task.state = core::TaskState::completed;
  Step step("task.completed", caller, at);
  step.about_task(task_id).data("outcome", to_json(task.value).at("outcome"));
  step.put(kTaskKind, task_id, task.value.task.initiator, to_json(task.value), task.version);
  nlohmann::json ended = nlohmann::json::array();
  for (auto& mandate : mandates) {
    if (mandate.value.revocation) continue;
    revoke_into(step, mandate, core::RevocationReason::task_completed, std::nullopt, at);
    ended.push_back(mandate.value.mandate.id);
  }
  step.data("revoked_mandates", ended);
  return {step.commit(ledger_)};
}

Recorded Broker::revoke_mandate(const Caller& caller, const std::string& jti, const std::string& reason) {
  require_active_actor(store_, caller, {core::ActorKind::human}, "revoker");
  auto mandate = find_mandate(store_, jti);
  if (!mandate) fail(ErrorKind::not_found, "no mandate " + jti);
  if (mandate->value.revocation) fail(ErrorKind::bad_input, "mandate " + jti + " is already revoked");
  if (auto ok = core::check_text(reason); !ok) fail(ErrorKind::bad_input, "reason: " + ok.error());
  const core::Timestamp at = now();
  Step step("mandate.revoked", caller, at);
  step.about_task(mandate->value.mandate.task_id).ref("mandate", jti).data("reason", reason);
  revoke_into(step, *mandate, core::RevocationReason::revoked_by_person, caller.actor_id, at);
  return {step.commit(ledger_)};
}

}  // namespace mandate::broker

namespace mandate::broker {

Recorded Broker::record_tool_result(const ToolResult& r) {
  if (r.result_sha256.size() != 64 || r.result_sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    fail(ErrorKind::bad_input, "result_sha256: must be 64 lower-case hex digits");
  }
  const core::Timestamp at = now();
  Step step("tool.result", r.presenter, at);
  step.about_task(r.task_id).ref("mandate", r.mandate_id);
  if (r.traceparent) step.entry().traceparent = r.traceparent;
  step.data("decision_index", r.decision_index)
      .data("tool_call", {{"server", r.server}, {"tool", r.tool}})
      .data("result", r.is_error ? "error" : "success")
      .data("result_sha256", r.result_sha256);
  if (r.approval_task) {
    // The held call ran: its task ends with this result.
    auto task = get_task(store_, *r.approval_task);
    if (task.value.task.state == core::TaskState::active) {
      core::Outcome outcome{*r.approval_task, r.mandate_id,
                            r.is_error ? core::OutcomeResult::failure : core::OutcomeResult::success, r.result_sha256, at};
      task.value.outcome = outcome;
      task.value.task.state = core::TaskState::completed;
      step.ref("approval_task", *r.approval_task).index_under(kHeldEntryKind, *r.approval_task);
      step.data("approval_task", *r.approval_task);
      step.put(kTaskKind, *r.approval_task, task.value.task.initiator, to_json(task.value), task.version);
    }
  }
  return {step.commit(ledger_)};
}

}  // namespace mandate::broker
