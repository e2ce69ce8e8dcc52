#include "core/approval_rule.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/test_fixtures.h"

namespace mandate::core {
namespace {

using namespace std::chrono_literals;
using testing::make_human;
using testing::make_task;
using testing::make_workload;

ApprovalRule two_approvers() {
  ApprovalRule r;
  r.id = "prod-deploy";
  r.detail_types = {"deployment"};
  r.required_approvals = 2;
  r.approver_groups = {"sre"};
  r.max_duration = 1h;
  return r;
}

Approval approve(std::string approver, std::string task_id = "task-1") {
  return {std::move(task_id), std::move(approver), ApprovalDecision::approve, "", Timestamp{}};
}

Approval deny(std::string approver) {
  return {"task-1", std::move(approver), ApprovalDecision::deny, "no", Timestamp{}};
}

const std::vector<Actor> kActors{
    make_human("alice", {"sre"}),  // the initiator
    make_human("bob", {"sre"}),
    make_human("carol", {"sre", "dba"}),
    make_human("dave", {"finance"}),
    make_workload("spiffe://example.org/ci/deployer", "bob"),  // the executor
};

TEST(ApprovalRuleTest, StatusRoundTrips) {
  for (auto s : {RuleStatus::pending, RuleStatus::satisfied, RuleStatus::denied}) {
    EXPECT_EQ(parse_rule_status(to_string(s)), s);
  }
  EXPECT_FALSE(parse_rule_status("ok"));
}

TEST(ApprovalRuleTest, AppliesByDetailType) {
  const Task task = make_task();
  ApprovalRule r = two_approvers();
  EXPECT_TRUE(rule_applies(r, task));
  r.detail_types = {"database"};
  EXPECT_FALSE(rule_applies(r, task));
  r.detail_types = {};
  EXPECT_TRUE(rule_applies(r, task));  // catch-all
}

TEST(ApprovalRuleTest, EligibilityCombinesSeparationOfDutiesAndGroups) {
  const Task task = make_task();
  const ApprovalRule r = two_approvers();
  EXPECT_TRUE(is_eligible_approver(r, task, kActors[1]));
  EXPECT_FALSE(is_eligible_approver(r, task, kActors[0]));  // initiator, though in "sre"
  EXPECT_FALSE(is_eligible_approver(r, task, kActors[3]));  // not in "sre"
  ApprovalRule anyone = r;
  anyone.approver_groups = {};
  EXPECT_TRUE(is_eligible_approver(anyone, task, kActors[3]));
  EXPECT_FALSE(is_eligible_approver(anyone, task, kActors[0]));
  EXPECT_FALSE(is_eligible_approver(anyone, task, kActors[4]));
}

TEST(ApprovalRuleTest, PendingUntilEnoughDistinctEligibleApprovals) {
  const Task task = make_task();
  const ApprovalRule r = two_approvers();
  EXPECT_EQ(evaluate_rule(r, task, {}, kActors), RuleStatus::pending);

  std::vector<Approval> approvals{approve("bob")};
  EXPECT_EQ(evaluate_rule(r, task, approvals, kActors), RuleStatus::pending);
  approvals.push_back(approve("bob"));  // the same person twice counts once
  EXPECT_EQ(evaluate_rule(r, task, approvals, kActors), RuleStatus::pending);
  approvals.push_back(approve("alice"));  // self-approval never counts
  approvals.push_back(approve("dave"));   // not in the approver group
  approvals.push_back(approve("spiffe://example.org/ci/deployer"));
  approvals.push_back(approve("mallory"));  // unknown actor
  approvals.push_back(approve("carol", "task-2"));  // another task
  EXPECT_EQ(evaluate_rule(r, task, approvals, kActors), RuleStatus::pending);
  approvals.push_back(approve("carol"));
  EXPECT_EQ(evaluate_rule(r, task, approvals, kActors), RuleStatus::satisfied);
}

TEST(ApprovalRuleTest, ProgressCountsDistinctEligibleApprovals) {
  const Task task = make_task();
  const ApprovalRule r = two_approvers();
  EXPECT_EQ(rule_progress(r, task, {}, kActors).approvals, 0u);
  const std::vector approvals{approve("bob"), approve("bob"), approve("alice"), approve("dave")};
  const RuleProgress one = rule_progress(r, task, approvals, kActors);
  EXPECT_EQ(one.status, RuleStatus::pending);
  EXPECT_EQ(one.approvals, 1u);  // bob once; alice is the initiator, dave not in sre
  const RuleProgress two = rule_progress(r, task, std::vector{approve("bob"), approve("carol")}, kActors);
  EXPECT_EQ(two.status, RuleStatus::satisfied);
  EXPECT_EQ(two.approvals, 2u);
}

TEST(ApprovalRuleTest, OneEligibleDenyVetoes) {
  const Task task = make_task();
  const ApprovalRule r = two_approvers();
  EXPECT_EQ(evaluate_rule(r, task, std::vector{approve("bob"), approve("carol"), deny("carol")}, kActors),
            RuleStatus::denied);
  // An ineligible deny is ignored, like an ineligible approval.
  EXPECT_EQ(evaluate_rule(r, task, std::vector{deny("dave"), deny("alice"), approve("bob")}, kActors),
            RuleStatus::pending);
}

TEST(ApprovalRuleTest, TooLongARequestIsDenied) {
  Task task = make_task();
  task.requested_duration = 2h;
  EXPECT_EQ(evaluate_rule(two_approvers(), task, std::vector{approve("bob"), approve("carol")}, kActors),
            RuleStatus::denied);
}

TEST(ApprovalRuleTest, Validation) {
  EXPECT_TRUE(validate_rule(two_approvers()));
  ApprovalRule r = two_approvers();
  r.id = "";
  EXPECT_FALSE(validate_rule(r));
  r = two_approvers();
  r.required_approvals = 0;
  EXPECT_EQ(validate_rule(r).error(), "a rule needs at least one approval");
  r = two_approvers();
  r.max_duration = 0s;
  EXPECT_FALSE(validate_rule(r));
  r = two_approvers();
  r.approver_groups = {"sre", "sre"};
  EXPECT_FALSE(validate_rule(r));
  r = two_approvers();
  r.detail_types = {""};
  EXPECT_FALSE(validate_rule(r));
}

}  // namespace
}  // namespace mandate::core
