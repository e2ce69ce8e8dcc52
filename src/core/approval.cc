#include "core/approval.h"

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<ApprovalDecision, 2> kApprovalDecisionNames{{
    {ApprovalDecision::approve, "approve"},
    {ApprovalDecision::deny, "deny"},
}};

constexpr detail::NameTable<ApproverRefusal, 4> kApproverRefusalNames{{
    {ApproverRefusal::is_initiator, "is_initiator"},
    {ApproverRefusal::is_executor, "is_executor"},
    {ApproverRefusal::not_human, "not_human"},
    {ApproverRefusal::not_active, "not_active"},
}};

}  // namespace

std::string_view to_string(ApprovalDecision decision) {
  return detail::name_of(kApprovalDecisionNames, decision);
}
std::optional<ApprovalDecision> parse_approval_decision(std::string_view text) {
  return detail::value_of(kApprovalDecisionNames, text);
}
std::string_view to_string(ApproverRefusal refusal) {
  return detail::name_of(kApproverRefusalNames, refusal);
}
std::optional<ApproverRefusal> parse_approver_refusal(std::string_view text) {
  return detail::value_of(kApproverRefusalNames, text);
}

std::optional<ApproverRefusal> check_approver(const Task& task, const Actor& approver) {
  if (approver.id == task.initiator) return ApproverRefusal::is_initiator;
  if (approver.id == task.executor) return ApproverRefusal::is_executor;
  if (approver.kind != ActorKind::human) return ApproverRefusal::not_human;
  if (approver.state != LifecycleState::active) return ApproverRefusal::not_active;
  return std::nullopt;
}

std::expected<void, std::string> validate_approval(const Approval& approval) {
  if (auto ok = check_id(approval.task_id); !ok) return detail::about("task id", ok);
  if (auto ok = check_id(approval.approver); !ok) return detail::about("approver", ok);
  if (!detail::is_named(kApprovalDecisionNames, approval.decision)) {
    return detail::refuse("approval decision is neither approve nor deny");
  }
  if (!approval.comment.empty()) {
    if (auto ok = check_text(approval.comment); !ok) return detail::about("comment", ok);
  }
  return {};
}

}  // namespace mandate::core
