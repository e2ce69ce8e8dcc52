#include "core/task.h"

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<TaskState, 8> kTaskStateNames{{
    {TaskState::requested, "requested"},
    {TaskState::approved, "approved"},
    {TaskState::denied, "denied"},
    {TaskState::cancelled, "cancelled"},
    {TaskState::active, "active"},
    {TaskState::completed, "completed"},
    {TaskState::expired, "expired"},
    {TaskState::revoked, "revoked"},
}};

constexpr detail::NameTable<TaskEvent, 8> kTaskEventNames{{
    {TaskEvent::approve, "approve"},
    {TaskEvent::deny, "deny"},
    {TaskEvent::cancel, "cancel"},
    {TaskEvent::issue, "issue"},
    {TaskEvent::issue_break_glass, "issue_break_glass"},
    {TaskEvent::complete, "complete"},
    {TaskEvent::expire, "expire"},
    {TaskEvent::revoke, "revoke"},
}};

struct Transition {
  TaskState from;
  TaskEvent event;
  TaskState to;
};

// The whole lifecycle in one table, so it can be read against DESIGN.md line
// by line. Anything not listed is illegal.
constexpr Transition kTransitions[] = {
    {TaskState::requested, TaskEvent::approve, TaskState::approved},
    {TaskState::requested, TaskEvent::deny, TaskState::denied},
    {TaskState::requested, TaskEvent::cancel, TaskState::cancelled},
    {TaskState::requested, TaskEvent::issue_break_glass, TaskState::active},
    {TaskState::approved, TaskEvent::issue, TaskState::active},
    {TaskState::approved, TaskEvent::cancel, TaskState::cancelled},
    {TaskState::active, TaskEvent::complete, TaskState::completed},
    {TaskState::active, TaskEvent::expire, TaskState::expired},
    {TaskState::active, TaskEvent::revoke, TaskState::revoked},
    {TaskState::active, TaskEvent::cancel, TaskState::cancelled},
};


}  // namespace

std::string_view to_string(TaskState state) { return detail::name_of(kTaskStateNames, state); }
std::optional<TaskState> parse_task_state(std::string_view text) {
  return detail::value_of(kTaskStateNames, text);
}
std::string_view to_string(TaskEvent event) { return detail::name_of(kTaskEventNames, event); }
std::optional<TaskEvent> parse_task_event(std::string_view text) {
  return detail::value_of(kTaskEventNames, text);
}

std::optional<TaskState> next_state(TaskState from, TaskEvent event) {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.event == event) return t.to;
  }
  return std::nullopt;
}

std::optional<TaskState> next_state(const Task& task, TaskEvent event) {
  if (event == TaskEvent::issue_break_glass && !task.break_glass) return std::nullopt;
  return next_state(task.state, event);
}

bool is_terminal(TaskState state) {
  switch (state) {
    case TaskState::requested:
    case TaskState::approved:
    case TaskState::active:
      return false;
    case TaskState::denied:
    case TaskState::cancelled:
    case TaskState::completed:
    case TaskState::expired:
    case TaskState::revoked:
      return true;
  }
  return false;
}

std::expected<void, std::string> validate_task(const Task& task) {
  if (auto ok = check_id(task.id); !ok) return detail::about("task id", ok);
  if (auto ok = check_text(task.intent); !ok) return detail::about("intent", ok);
  if (task.external_ref) {
    if (auto ok = check_id(*task.external_ref); !ok) return detail::about("external reference", ok);
  }
  if (auto ok = check_id(task.initiator); !ok) return detail::about("initiator", ok);
  if (auto ok = check_id(task.executor); !ok) return detail::about("executor", ok);
  if (task.requested_scope.empty()) {
    return detail::refuse("requested scope is empty: a task must request something");
  }
  if (auto ok = validate_scope(task.requested_scope); !ok) return detail::about("requested scope", ok);
  // Empty until the broker names the home's default resource server.
  if (!task.audience.empty()) {
    if (auto ok = check_distinct_ids(task.audience); !ok) return detail::about("audience", ok);
  }
  if (task.requested_duration <= std::chrono::seconds::zero()) {
    return detail::refuse("requested duration must be positive");
  }
  if (!detail::is_named(kTaskStateNames, task.state)) {
    return detail::refuse("task state is not a known state");
  }
  return {};
}

}  // namespace mandate::core
