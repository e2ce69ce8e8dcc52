#include "core/approval_rule.h"

#include <algorithm>

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<RuleStatus, 3> kRuleStatusNames{{
    {RuleStatus::pending, "pending"},
    {RuleStatus::satisfied, "satisfied"},
    {RuleStatus::denied, "denied"},
}};

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

}  // namespace

std::string_view to_string(RuleStatus status) { return detail::name_of(kRuleStatusNames, status); }
std::optional<RuleStatus> parse_rule_status(std::string_view text) {
  return detail::value_of(kRuleStatusNames, text);
}

bool rule_applies(const ApprovalRule& rule, const Task& task) {
  if (rule.detail_types.empty()) return true;
  return std::ranges::any_of(task.requested_scope, [&](const AuthorizationDetail& d) {
    return contains(rule.detail_types, d.type);
  });
}

bool is_eligible_approver(const ApprovalRule& rule, const Task& task, const Actor& approver) {
  if (check_approver(task, approver)) return false;
  if (rule.approver_groups.empty()) return true;
  return std::ranges::any_of(approver.groups,
                             [&](const std::string& g) { return contains(rule.approver_groups, g); });
}

RuleStatus evaluate_rule(const ApprovalRule& rule, const Task& task,
                         std::span<const Approval> approvals, std::span<const Actor> actors) {
  return rule_progress(rule, task, approvals, actors).status;
}

RuleProgress rule_progress(const ApprovalRule& rule, const Task& task, std::span<const Approval> approvals,
                           std::span<const Actor> actors) {
  if (task.requested_duration > rule.max_duration) return {RuleStatus::denied, 0};

  std::vector<std::string_view> approved_by;
  for (const Approval& approval : approvals) {
    if (approval.task_id != task.id) continue;
    const auto actor = std::ranges::find(actors, approval.approver, &Actor::id);
    if (actor == actors.end() || !is_eligible_approver(rule, task, *actor)) continue;
    if (approval.decision == ApprovalDecision::deny) return {RuleStatus::denied, approved_by.size()};
    if (std::ranges::find(approved_by, approval.approver) == approved_by.end()) {
      approved_by.push_back(approval.approver);
    }
  }
  const RuleStatus status = approved_by.size() >= rule.required_approvals ? RuleStatus::satisfied : RuleStatus::pending;
  return {status, approved_by.size()};
}

std::expected<void, std::string> validate_rule(const ApprovalRule& rule) {
  if (auto ok = check_id(rule.id); !ok) return detail::about("rule id", ok);
  if (auto ok = check_distinct_ids(rule.detail_types); !ok) return detail::about("detail types", ok);
  if (auto ok = check_distinct_ids(rule.approver_groups); !ok) {
    return detail::about("approver groups", ok);
  }
  if (rule.required_approvals < 1) return detail::refuse("a rule needs at least one approval");
  if (rule.max_duration <= std::chrono::seconds::zero()) {
    return detail::refuse("a rule's maximum duration must be positive");
  }
  if (rule.max_mandate_lifetime <= std::chrono::seconds::zero()) {
    return detail::refuse("a rule's maximum mandate lifetime must be positive");
  }
  if (rule.max_uses < 1) return detail::refuse("a rule must allow at least one use per mandate");
  if (rule.break_glass_allowed && rule.review_within <= std::chrono::seconds::zero()) {
    return detail::refuse("a rule allowing break-glass needs a positive review deadline");
  }
  return {};
}

}  // namespace mandate::core
