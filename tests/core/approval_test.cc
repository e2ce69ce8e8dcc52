#include "core/approval.h"

#include <gtest/gtest.h>

#include "core/test_fixtures.h"

namespace mandate::core {
namespace {

using testing::make_human;
using testing::make_task;
using testing::make_workload;

TEST(ApprovalTest, EnumsRoundTrip) {
  for (auto d : {ApprovalDecision::approve, ApprovalDecision::deny}) {
    EXPECT_EQ(parse_approval_decision(to_string(d)), d);
  }
  for (auto r : {ApproverRefusal::is_initiator, ApproverRefusal::is_executor,
                 ApproverRefusal::not_human, ApproverRefusal::not_active}) {
    EXPECT_EQ(parse_approver_refusal(to_string(r)), r);
  }
  EXPECT_FALSE(parse_approval_decision("approved"));
  EXPECT_FALSE(parse_approver_refusal(""));
}

TEST(ApprovalTest, AnotherActiveHumanMayApprove) {
  EXPECT_EQ(check_approver(make_task(), make_human("bob")), std::nullopt);
}

TEST(ApprovalTest, InitiatorCannotApprove) {
  EXPECT_EQ(check_approver(make_task(), make_human("alice")), ApproverRefusal::is_initiator);
}

TEST(ApprovalTest, ExecutorCannotApprove) {
  const Task task = make_task();
  // Even an actor recorded as human is refused when it is the executor.
  EXPECT_EQ(check_approver(task, make_human(task.executor)), ApproverRefusal::is_executor);
  EXPECT_EQ(check_approver(task, make_workload(task.executor, "bob")), ApproverRefusal::is_executor);
}

TEST(ApprovalTest, WorkloadsAndAgentsCannotApprove) {
  const Task task = make_task();
  EXPECT_EQ(check_approver(task, make_workload("spiffe://example.org/other", "bob")),
            ApproverRefusal::not_human);
  Actor agent = make_workload("agent:reviewer", "bob");
  agent.kind = ActorKind::agent;
  EXPECT_EQ(check_approver(task, agent), ApproverRefusal::not_human);
}

TEST(ApprovalTest, InactiveHumansCannotApprove) {
  Actor bob = make_human("bob");
  bob.state = LifecycleState::suspended;
  EXPECT_EQ(check_approver(make_task(), bob), ApproverRefusal::not_active);
  bob.state = LifecycleState::offboarded;
  EXPECT_EQ(check_approver(make_task(), bob), ApproverRefusal::not_active);
}

TEST(ApprovalTest, FirstApplicableRefusalWins) {
  Actor alice = make_human("alice");
  alice.state = LifecycleState::offboarded;
  EXPECT_EQ(check_approver(make_task(), alice), ApproverRefusal::is_initiator);
}

TEST(ApprovalTest, ValidatesFields) {
  Approval a{"task-1", "bob", ApprovalDecision::approve, "", Timestamp{}};
  EXPECT_TRUE(validate_approval(a));
  a.comment = "Looks good.\nRollback plan checked.";
  EXPECT_TRUE(validate_approval(a));
  a.comment = "bad\x1b[0m";
  EXPECT_FALSE(validate_approval(a));
  a.comment = "";
  a.task_id = "";
  EXPECT_EQ(validate_approval(a).error(), "task id is empty");
  a.task_id = "task-1";
  a.approver = "";
  EXPECT_EQ(validate_approval(a).error(), "approver is empty");
  a.approver = "bob";
  a.decision = static_cast<ApprovalDecision>(7);
  EXPECT_FALSE(validate_approval(a));
}

}  // namespace
}  // namespace mandate::core
