// Break-glass: issued at once where a rule allows it, flagged everywhere,
// and reviewed by a person before a deadline or reported as overdue.
#include <algorithm>

#include "broker/broker.h"
#include "broker/internal/tool_calls.h"
#include "broker/limits.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "core/ids.h"
#include "core/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::broker {

Broker::BreakGlass Broker::break_glass(const Caller& caller, const TaskRequest& request, const std::string& reason) {
  const ActorRecord initiator = require_active_actor(store_, caller, {core::ActorKind::human}, "break-glass requester");
  if (auto ok = core::check_text(reason); !ok) fail(ErrorKind::bad_input, "reason: " + ok.error());
  const ActorRecord executor = require_executor(store_, request.executor);
  const core::Timestamp at = now();
  require_requestable(request.scope);
  DraftTask draft = draft_task(store_, initiator.actor.id, request, at, true, settings_.audience);
  if (!draft.limits.break_glass_allowed) {
    fail(ErrorKind::bad_input, "no applicable rule allows break-glass for this scope");
  }
  TaskRecord& record = draft.record;
  const core::Task& task = record.task;
  // Stays `requested` until the mandate is issued, a moment later: the
  // model's issue_break_glass arrow is taken by issue().
  record.window_ends_at = at + task.requested_duration;
  record.review = Review{at + draft.limits.review_within, std::nullopt, std::nullopt, ""};
  record.break_glass_reason = reason;

  Step step("task.break_glass", caller, at);
  step.about_task(task.id).data("task", to_json(record));
  step.put(kTaskKind, task.id, task.initiator, to_json(record), store::kAbsent);
  BreakGlass out;
  out.task = {task.id, record.rule_ids, step.commit(ledger_)};
  out.mandate = issue({task.executor, caller_kind(executor.actor.kind),
                       "break-glass requested by " + initiator.actor.id},
                      task.id);
  return out;
}

std::vector<PendingReview> Broker::pending_reviews() {
  const core::Timestamp at = now();
  std::vector<PendingReview> out;
  for (TaskRecord& task : tasks()) {
    if (!task.task.break_glass || !task.review || task.review->reviewer) continue;
    const bool overdue = task.review->deadline < at;
    out.push_back({std::move(task), overdue});
  }
  return out;
}

Recorded Broker::approve_review(const Caller& caller, const std::string& task_id, const std::string& comment) {
  const ActorRecord reviewer = require_active_actor(store_, caller, {core::ActorKind::human}, "reviewer");
  auto task = get_task(store_, task_id);
  if (!task.value.task.break_glass || !task.value.review) fail(ErrorKind::bad_input, "task " + task_id + " is not break-glass");
  if (task.value.review->reviewer) fail(ErrorKind::bad_input, "task " + task_id + " was already reviewed");
  if (auto refusal = core::check_approver(task.value.task, reviewer.actor)) {
    fail(ErrorKind::bad_input, caller.actor_id + " may not review task " + task_id + ": " + std::string(core::to_string(*refusal)));
  }
  const core::Timestamp at = now();
  task.value.review->reviewer = caller.actor_id;
  task.value.review->reviewed_at = at;
  task.value.review->comment = comment;
  Step step("task.reviewed", caller, at);
  step.about_task(task_id).data("comment", comment).data("overdue", task.value.review->deadline < at);
  step.put(kTaskKind, task_id, task.value.task.initiator, to_json(task.value), task.version);
  return {step.commit(ledger_)};
}

}  // namespace mandate::broker
