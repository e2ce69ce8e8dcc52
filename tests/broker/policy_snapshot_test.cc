// The policy snapshot a caller that must not wait may take: only one the
// cache checked against the store within kPolicyRecheck, never a stale one.
#include <thread>

#include "broker/internal/policy_context.h"
#include "broker_fixture.h"

namespace mandate::broker {
namespace {

using PolicySnapshotTest = BrokerTest;

bool allows(Broker& broker, const Broker::PolicySnapshot& snapshot) {
  Evaluation e;
  e.principal = {"User", "ann", nlohmann::json::object()};
  e.action = {"Action", "read", nlohmann::json::object()};
  e.resource = {"Doc", "plan", nlohmann::json::object()};
  return broker.decide_evaluation(snapshot, e).allow;
}

TEST_F(PolicySnapshotTest, OnlyASnapshotCheckedWithinTheRecheckIsGivenWithoutWaiting) {
  load_policies(R"(permit (principal, action == Action::"read", resource);)");
  // Loading marks the cache stale: a caller that must not wait gets nothing.
  EXPECT_FALSE(broker->policy_snapshot_if_checked().has_value());
  ASSERT_TRUE(allows(*broker, broker->policy_snapshot()));  // reads the store, checks the cache
  const auto checked = broker->policy_snapshot_if_checked();
  ASSERT_TRUE(checked.has_value());
  EXPECT_TRUE(allows(*broker, *checked));

  load_policies(R"(forbid (principal, action, resource);)");
  EXPECT_FALSE(broker->policy_snapshot_if_checked().has_value()) << "a snapshot from before the change was given";
  EXPECT_FALSE(allows(*broker, broker->policy_snapshot()));
  ASSERT_TRUE(broker->policy_snapshot_if_checked().has_value());
  EXPECT_FALSE(allows(*broker, *broker->policy_snapshot_if_checked()));

  std::this_thread::sleep_for(kPolicyRecheck + std::chrono::milliseconds(20));
  EXPECT_FALSE(broker->policy_snapshot_if_checked().has_value()) << "a snapshot past its recheck was given";
}

}  // namespace
}  // namespace mandate::broker
