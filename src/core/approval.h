#pragma once
// An approval is one human's recorded decision on one task. Separation of
// duties (invariant 1) is enforced here, in the model, so that no rule,
// configuration or caller can count an approval it forbids.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/actor.h"
#include "core/task.h"
#include "core/time.h"

namespace mandate::core {

enum class ApprovalDecision { approve, deny };

std::string_view to_string(ApprovalDecision decision);
std::optional<ApprovalDecision> parse_approval_decision(std::string_view text);

struct Approval {
  std::string task_id;
  std::string approver;
  ApprovalDecision decision = ApprovalDecision::deny;
  std::string comment;  // may be empty
  Timestamp decided_at{};

  friend bool operator==(const Approval&, const Approval&) = default;
};

// Why an actor may not approve a task.
enum class ApproverRefusal {
  is_initiator,  // nobody approves their own request
  is_executor,   // the identity that will act cannot vouch for its own action
  not_human,     // workloads and agents never approve
  not_active,    // suspended or offboarded people have no standing
};

std::string_view to_string(ApproverRefusal refusal);
std::optional<ApproverRefusal> parse_approver_refusal(std::string_view text);

// The first refusal that applies, checked in the order of ApproverRefusal, or
// nullopt when `approver` may approve (or deny) `task`. Ids are compared
// exactly; mapping several identities to one actor happens before this.
std::optional<ApproverRefusal> check_approver(const Task& task, const Actor& approver);

// Field-level checks: ids well-formed, decision known, comment (when present)
// printable text.
std::expected<void, std::string> validate_approval(const Approval& approval);

}  // namespace mandate::core
