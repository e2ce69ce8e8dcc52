#pragma once
// A task is one unit of intended work, and its state machine is the spine of
// accountability: a mandate exists only for a task that reached `approved`
// (or was opened as break-glass), and every task ends in exactly one recorded
// terminal state.

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/scope.h"
#include "core/time.h"

namespace mandate::core {

//  requested ──approve──▶ approved ──issue──▶ active ──complete──▶ completed
//      │  │                   │                 ├──expire────▶ expired
//      │  └──deny──▶ denied   └──cancel──▶ cancelled├──revoke────▶ revoked
//      ├──cancel──▶ cancelled                   └──cancel────▶ cancelled (its mandates revoked)
//      └──issue_break_glass──▶ active
enum class TaskState { requested, approved, denied, cancelled, active, completed, expired, revoked };

enum class TaskEvent {
  // Fired once the applicable approval rules are satisfied, not per approval:
  // single approvals are recorded as Approval values and counted by the rule.
  approve,
  deny,
  cancel,
  issue,
  // Break-glass: requested and issued at once, skipping approval. Only legal
  // for a task flagged break_glass, which next_state(const Task&, ...) checks.
  issue_break_glass,
  complete,
  expire,
  revoke,
};

std::string_view to_string(TaskState state);
std::optional<TaskState> parse_task_state(std::string_view text);
std::string_view to_string(TaskEvent event);
std::optional<TaskEvent> parse_task_event(std::string_view text);

struct Task {
  std::string id;
  std::string intent;
  std::optional<std::string> external_ref;  // ticket or change id
  std::string initiator;
  std::string executor;  // the machine identity the mandate will be bound to
  Scope requested_scope;
  // The resource servers the work is for, as approved: every mandate's
  // `aud` is drawn from these (RFC 8707 resource indicators or registered
  // resource-server ids).
  std::vector<std::string> audience;
  std::chrono::seconds requested_duration{0};
  TaskState state = TaskState::requested;
  Timestamp created_at{};
  // Flagged so the missing approval stays visible: a break-glass task must be
  // reviewed by a deadline or it becomes a finding.
  bool break_glass = false;

  friend bool operator==(const Task&, const Task&) = default;
};

// The lifecycle as a pure function: the state `event` leads to from `from`,
// or nullopt when the diagram has no such arrow. Terminal states have none.
std::optional<TaskState> next_state(TaskState from, TaskEvent event);

// As above, and also refuses issue_break_glass for a task not flagged
// break_glass, so the flag and the path taken cannot disagree.
std::optional<TaskState> next_state(const Task& task, TaskEvent event);

// denied, cancelled, completed, expired, revoked.
bool is_terminal(TaskState state);

// Fields well-formed: ids and intent, a non-empty valid requested scope and a
// positive requested duration. The initiator may equal the executor (a
// pipeline asking for its own mandate); separation of duties applies to
// approvers, not to who asks.
std::expected<void, std::string> validate_task(const Task& task);

}  // namespace mandate::core
