// Tasks and approvals: intent, the rules that apply, separation of duties.
#include <algorithm>

#include "broker/broker.h"
#include "broker/internal/tool_calls.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "core/ids.h"
#include "broker/rules_file.h"
#include "core/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::broker {
namespace {

// Where the task stands under the rules recorded when it was requested
// (the default rule when those were replaced meanwhile), given `approvals`:
// denied if any rule denies, satisfied when all are. `progress` is parallel
// to `rules`.
struct Standing {
  core::RuleStatus status = core::RuleStatus::satisfied;
  std::vector<core::ApprovalRule> rules;
  std::vector<core::RuleProgress> progress;
  nlohmann::json per_rule = nlohmann::json::object();
};

Standing standing(store::Store& store, const TaskRecord& task, const std::vector<core::Approval>& approvals) {
  std::vector<core::Actor> approvers;
  for (const core::Approval& a : approvals) {
    if (auto actor = find_actor(store, a.approver)) approvers.push_back(actor->value.actor);
  }
  Standing out;
  for (const core::ApprovalRule& rule : loaded_rules(store)) {
    if (std::find(task.rule_ids.begin(), task.rule_ids.end(), rule.id) != task.rule_ids.end()) out.rules.push_back(rule);
  }
  if (out.rules.empty()) out.rules.push_back(default_rule());
  for (const core::ApprovalRule& rule : out.rules) {
    const auto p = core::rule_progress(rule, task.task, approvals, approvers);
    const auto s = p.status;
    out.progress.push_back(p);
    out.per_rule[rule.id] = core::to_string(s);
    if (s == core::RuleStatus::denied || (s == core::RuleStatus::pending && out.status != core::RuleStatus::denied)) {
      out.status = s;
    }
  }
  return out;
}

// Why `approver` may not approve or deny the requested `task` now, or
// nullopt: separation of duties (decided by the model), one decision per
// person, and a place in an approver group of the task's rules. The one
// rule: decide() enforces it and waiting_for() lists by it.
std::optional<std::string> decider_refusal(const core::Task& task, const core::Actor& approver,
                                           const std::vector<core::Approval>& approvals, const Standing& standing) {
  // Invariant 1, decided by the model: no rule or caller can relax it.
  if (auto refusal = core::check_approver(task, approver)) {
    return approver.id + " may not approve or deny task " + task.id + ": " + std::string(core::to_string(*refusal));
  }
  if (std::any_of(approvals.begin(), approvals.end(), [&](const auto& a) { return a.approver == approver.id; })) {
    return approver.id + " has already decided on task " + task.id;
  }
  const bool eligible = std::any_of(standing.rules.begin(), standing.rules.end(), [&](const auto& rule) {
    return core::is_eligible_approver(rule, task, approver);
  });
  if (!eligible) return approver.id + " is not in an approver group of the rules for task " + task.id;
  return std::nullopt;
}

void require_state(const TaskRecord& task, std::initializer_list<core::TaskState> states, const std::string& doing) {
  if (std::find(states.begin(), states.end(), task.task.state) == states.end()) {
    fail(ErrorKind::bad_input, "task " + task.task.id + " is " + std::string(core::to_string(task.task.state)) +
                                   "; cannot " + doing);
  }
}

}  // namespace

Broker::TaskCreated Broker::request_task(const Caller& caller, const TaskRequest& request) {
  const ActorRecord initiator = require_active_actor(
      store_, caller, {core::ActorKind::human, core::ActorKind::workload, core::ActorKind::agent}, "initiator");
  require_executor(store_, request.executor);
  require_requestable(request.scope);
  const TaskRecord record = draft_task(store_, initiator.actor.id, request, now(), false, settings_.audience).record;
  const core::Task& task = record.task;

  Step step("task.requested", {caller.actor_id, caller_kind(initiator.actor.kind), caller.authenticated_by}, task.created_at);
  step.about_task(task.id).data("task", to_json(record));
  step.put(kTaskKind, task.id, task.initiator, to_json(record), store::kAbsent);
  return {task.id, record.rule_ids, step.commit(ledger_)};
}

TaskView Broker::task(const std::string& id) {
  TaskView view;
  view.record = get_task(store_, id).value;
  view.approvals = task_approvals(store_, id);
  for (auto& m : task_mandates(store_, id)) view.mandates.push_back(std::move(m.value));
  view.rule_status = std::string(core::to_string(standing(store_, view.record, view.approvals).status));
  return view;
}

std::vector<TaskRecord> Broker::tasks() {
  std::vector<TaskRecord> out;
  for (const store::Record& r : store_.records(kTaskKind)) out.push_back(task_from_json(nlohmann::json::parse(r.body)));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.task.created_at < b.task.created_at; });
  return out;
}

namespace {

Broker::ApprovalRecorded decide(Broker& broker, store::Store& store, ledger::Ledger& ledger, const Caller& caller,
                                const std::string& task_id, core::ApprovalDecision decision, const std::string& text) {
  auto task = get_task(store, task_id);
  require_state(task.value, {core::TaskState::requested}, decision == core::ApprovalDecision::approve ? "approve it" : "deny it");
  auto approver = find_actor(store, caller.actor_id);
  if (!approver) fail(ErrorKind::bad_input, "approver " + caller.actor_id + " is not a registered actor");
  std::vector<core::Approval> approvals = task_approvals(store, task_id);
  if (auto refusal = decider_refusal(task.value.task, approver->value.actor, approvals, standing(store, task.value, approvals))) {
    fail(ErrorKind::bad_input, *refusal);
  }
  core::Approval approval{task_id, caller.actor_id, decision, text, broker.now()};
  if (auto ok = core::validate_approval(approval); !ok) fail(ErrorKind::bad_input, "approval: " + ok.error());
  // Count the new approval with those recorded so far.
  approvals.push_back(approval);
  const Standing now_standing = standing(store, task.value, approvals);
  const core::RuleStatus status = now_standing.status;
  Step step(decision == core::ApprovalDecision::approve ? "task.approval" : "task.denial", caller, approval.decided_at);
  step.about_task(task_id).data("approval", to_json(approval)).data("rules", now_standing.per_rule);
  step.put(kApprovalKind, task_id + "/" + caller.actor_id, task_id, to_json(approval), store::kAbsent);
  if (status == core::RuleStatus::satisfied) {
    task.value.task.state = core::TaskState::approved;
    task.value.window_ends_at = approval.decided_at + task.value.task.requested_duration;
  } else if (status == core::RuleStatus::denied) {
    task.value.task.state = core::TaskState::denied;
    task.value.end_reason = text;
  }
  if (status != core::RuleStatus::pending) {
    step.data("task_state", core::to_string(task.value.task.state));
    step.put(kTaskKind, task_id, task.value.task.initiator, to_json(task.value), task.version);
  }
  const std::uint64_t index = step.commit(ledger);
  return {std::string(core::to_string(task.value.task.state)), std::string(core::to_string(status)), index};
}

}  // namespace

Broker::ApprovalRecorded Broker::approve(const Caller& caller, const std::string& task_id, const std::string& comment) {
  return decide(*this, store_, ledger_, caller, task_id, core::ApprovalDecision::approve, comment);
}

Broker::ApprovalRecorded Broker::deny(const Caller& caller, const std::string& task_id, const std::string& reason) {
  if (reason.empty()) fail(ErrorKind::bad_input, "a denial needs a reason");
  return decide(*this, store_, ledger_, caller, task_id, core::ApprovalDecision::deny, reason);
}

namespace {

// The initiator, or someone the task's rules would accept as an approver:
// the people who answer for whether the work should go on.
void require_canceller(store::Store& store, const Caller& caller, const TaskRecord& task) {
  if (caller.actor_id == task.task.initiator) return;
  const auto actor = find_actor(store, caller.actor_id);
  const bool eligible = actor && actor->value.actor.state == core::LifecycleState::active &&
                        std::ranges::any_of(standing(store, task, {}).rules, [&](const core::ApprovalRule& rule) {
                          return core::is_eligible_approver(rule, task.task, actor->value.actor);
                        });
  if (!eligible) {
    fail(ErrorKind::bad_input, "task " + task.task.id + " is cancelled by its initiator " + task.task.initiator +
                                   " or an eligible approver; " + caller.actor_id + " is neither");
  }
}

}  // namespace

Broker::Cancelled Broker::cancel(const Caller& caller, const std::string& task_id, const std::string& reason) {
  auto task = get_task(store_, task_id);
  require_state(task.value, {core::TaskState::requested, core::TaskState::approved, core::TaskState::active}, "cancel it");
  require_canceller(store_, caller, task.value);
  if (auto ok = core::check_text(reason); !ok) fail(ErrorKind::bad_input, "reason: " + ok.error());
  const core::Timestamp at = now();
  task.value.task.state = core::TaskState::cancelled;
  task.value.end_reason = reason;
  Step step("task.cancelled", caller, at);
  step.about_task(task_id).data("reason", reason);
  step.put(kTaskKind, task_id, task.value.task.initiator, to_json(task.value), task.version);
  Cancelled out;
  for (auto& mandate : task_mandates(store_, task_id)) {
    if (mandate.value.revocation) continue;
    revoke_into(step, mandate, core::RevocationReason::task_cancelled, caller.actor_id, at);
    out.revoked_mandates.push_back(mandate.value.mandate.id);
  }
  step.data("revoked_mandates", out.revoked_mandates);
  out.ledger_index = step.commit(ledger_);
  return out;
}

std::vector<AwaitingDecision> Broker::waiting_for(const std::string& approver_id) {
  std::vector<AwaitingDecision> out;
  const auto approver = find_actor(store_, approver_id);
  if (!approver) return out;
  for (TaskRecord& task : tasks()) {
    if (task.task.state != core::TaskState::requested) continue;
    const std::vector<core::Approval> approvals = task_approvals(store_, task.task.id);
    const Standing now_standing = standing(store_, task, approvals);
    if (decider_refusal(task.task, approver->value.actor, approvals, now_standing)) continue;
    AwaitingDecision item;
    bool counts = false;  // a rule not yet satisfied would count this person's approval
    for (std::size_t i = 0; i < now_standing.rules.size(); ++i) {
      const core::ApprovalRule& rule = now_standing.rules[i];
      const core::RuleProgress& p = now_standing.progress[i];
      counts = counts || (p.status == core::RuleStatus::pending && core::is_eligible_approver(rule, task.task, approver->value.actor));
      item.rules.push_back({rule.id, std::string(core::to_string(p.status)), static_cast<std::uint32_t>(p.approvals),
                            rule.required_approvals, rule.approver_groups});
    }
    if (!counts) continue;
    if (auto executor = find_actor(store_, task.task.executor)) item.executor = executor->value.actor;
    item.task = std::move(task);
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<std::uint64_t> Broker::task_entries(const std::string& task_id) {
  std::vector<std::uint64_t> out;
  for (const TaskEntry& e : entries_about_task(store_, ledger_, task_id)) out.push_back(e.index);
  // A held call's task: also the decisions that held it or ran on it.
  for (const store::Record& r : store_.records(kHeldEntryKind, task_id)) out.push_back(std::stoull(r.id));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mandate::broker
