#pragma once
// An approval rule says which tasks need how many approvals from whom, and
// how long a mandate for them may live. Rules can only add requirements:
// separation of duties (check_approver) is applied underneath every rule and
// no rule field can relax it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/actor.h"
#include "core/approval.h"
#include "core/task.h"

namespace mandate::core {

struct ApprovalRule {
  std::string id;
  // The rule applies to a task requesting any authorization detail of one of
  // these types. Empty means the rule applies to every task: a catch-all rule
  // is the safe default for types nobody wrote a rule for.
  std::vector<std::string> detail_types;
  // Distinct eligible approvers needed; at least 1.
  std::uint32_t required_approvals = 1;
  // An eligible approver belongs to at least one of these groups. Empty means
  // any human that separation of duties allows.
  std::vector<std::string> approver_groups;
  // Upper bound on a task's requested duration (the window in which its
  // mandates may be issued and used) under this rule.
  std::chrono::seconds max_duration{0};
  // Upper bound on one mandate's lifetime (its `exp` - `nbf`): short tokens
  // renewed within the task window, so a leaked one dies quickly.
  std::chrono::seconds max_mandate_lifetime{std::chrono::minutes(15)};
  // How many decisions one mandate may be used for.
  std::uint32_t max_uses = 1;
  // Break-glass: issue at once without approval, flagged, and reviewed by a
  // person within review_within or reported as overdue.
  bool break_glass_allowed = false;
  std::chrono::seconds review_within{std::chrono::hours(24)};

  friend bool operator==(const ApprovalRule&, const ApprovalRule&) = default;
};

enum class RuleStatus { pending, satisfied, denied };

std::string_view to_string(RuleStatus status);
std::optional<RuleStatus> parse_rule_status(std::string_view text);

bool rule_applies(const ApprovalRule& rule, const Task& task);

// check_approver passes, and the approver is in one of the rule's groups.
bool is_eligible_approver(const ApprovalRule& rule, const Task& task, const Actor& approver);

// Where `task` stands under `rule` given the approvals recorded so far.
// Approvals for other tasks, by approvers not found in `actors`, or by
// ineligible approvers are ignored: they were never valid. One eligible deny
// is a veto (denied), because an approver who objects must be able to stop the
// task. Otherwise it is satisfied once required_approvals distinct eligible
// approvers approved, and pending before that. A task asking for longer than
// max_duration is denied outright: no number of approvals can make it fit.
RuleStatus evaluate_rule(const ApprovalRule& rule, const Task& task,
                         std::span<const Approval> approvals, std::span<const Actor> actors);

// The same, with how far it got: the distinct eligible approvers who
// approved so far ("1 of 2 from sre" is approvals of required_approvals).
struct RuleProgress {
  RuleStatus status = RuleStatus::pending;
  std::size_t approvals = 0;
};
RuleProgress rule_progress(const ApprovalRule& rule, const Task& task, std::span<const Approval> approvals,
                           std::span<const Actor> actors);

// Id and entries well-formed, required_approvals >= 1, max_duration > 0.
std::expected<void, std::string> validate_rule(const ApprovalRule& rule);

}  // namespace mandate::core
