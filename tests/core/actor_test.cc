#include "core/actor.h"

#include <gtest/gtest.h>

namespace mandate::core {
namespace {

Actor human(std::string id) {
  Actor a;
  a.id = std::move(id);
  a.kind = ActorKind::human;
  return a;
}

Actor workload(std::string id, std::string owner) {
  Actor a;
  a.id = std::move(id);
  a.kind = ActorKind::workload;
  a.owner = std::move(owner);
  return a;
}

TEST(ActorTest, EnumsRoundTrip) {
  for (auto k : {ActorKind::human, ActorKind::workload, ActorKind::agent}) {
    EXPECT_EQ(parse_actor_kind(to_string(k)), k);
  }
  for (auto s : {LifecycleState::active, LifecycleState::suspended, LifecycleState::offboarded}) {
    EXPECT_EQ(parse_lifecycle_state(to_string(s)), s);
  }
  EXPECT_EQ(to_string(ActorKind::workload), "workload");
  EXPECT_EQ(to_string(LifecycleState::offboarded), "offboarded");
  EXPECT_FALSE(parse_actor_kind("Human"));
  EXPECT_FALSE(parse_actor_kind("robot"));
  EXPECT_FALSE(parse_lifecycle_state(""));
}

TEST(ActorTest, AcceptsWellFormedActors) {
  Actor alice = human("alice@example.com");
  alice.groups = {"sre", "payments-approvers"};
  alice.display_name = "Alice Example";
  EXPECT_TRUE(validate_actor(alice));

  Actor ci = workload("spiffe://example.org/ci/deployer", "alice@example.com");
  ci.systems = {"github", "aws:123456789012"};
  EXPECT_TRUE(validate_actor(ci));

  Actor agent;
  agent.id = "agent:release-helper";
  agent.kind = ActorKind::agent;
  agent.owner = "alice@example.com";
  EXPECT_TRUE(validate_actor(agent));
}

TEST(ActorTest, NonHumanNeedsAnOwner) {
  Actor ci = workload("spiffe://example.org/ci", "alice");
  ci.owner.reset();
  const auto r = validate_actor(ci);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "a workload actor needs an accountable human owner");

  Actor agent;
  agent.id = "agent-1";
  agent.kind = ActorKind::agent;
  EXPECT_FALSE(validate_actor(agent));
}

TEST(ActorTest, HumanHasNoOwner) {
  Actor bob = human("bob");
  bob.owner = "alice";
  const auto r = validate_actor(bob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "a human actor has no owner");
}

TEST(ActorTest, RejectsBadIds) {
  EXPECT_FALSE(validate_actor(human("")));
  EXPECT_FALSE(validate_actor(human("bob\r\n")));
  EXPECT_FALSE(validate_actor(workload("deploy-bot", "alice")));                // not a URI
  EXPECT_FALSE(validate_actor(workload("spiffe://example.org", "alice")));      // no path
  EXPECT_FALSE(validate_actor(workload("spiffe://Example.org/ci", "alice")));   // bad SPIFFE
  EXPECT_FALSE(validate_actor(workload("spiffe://example.org/ci", "")));        // empty owner
  EXPECT_FALSE(validate_actor(workload("spiffe://example.org/ci", "spiffe://example.org/ci")));
  EXPECT_EQ(validate_actor(human("")).error(), "actor id is empty");
}

TEST(ActorTest, RejectsBadGroupsSystemsAndDisplayName) {
  Actor a = human("alice");
  a.groups = {"sre", "sre"};
  EXPECT_EQ(validate_actor(a).error(), "groups has a repeated entry");
  a.groups = {"sre", ""};
  EXPECT_FALSE(validate_actor(a));
  a.groups = {};
  a.systems = {"git\nhub"};
  EXPECT_FALSE(validate_actor(a));
  a.systems = {};
  a.display_name = "";
  EXPECT_FALSE(validate_actor(a));
  a.display_name = "Alice";
  EXPECT_TRUE(validate_actor(a));
}

TEST(ActorTest, RejectsOutOfRangeEnums) {
  Actor a = human("alice");
  a.kind = static_cast<ActorKind>(42);
  EXPECT_FALSE(validate_actor(a));
  EXPECT_EQ(to_string(a.kind), "unknown");
  a.kind = ActorKind::human;
  a.state = static_cast<LifecycleState>(-1);
  EXPECT_FALSE(validate_actor(a));
}

TEST(ActorTest, ChecksTheOwner) {
  const Actor ci = workload("spiffe://example.org/ci", "alice");
  Actor alice = human("alice");
  EXPECT_TRUE(check_owner(ci, alice));

  alice.state = LifecycleState::suspended;
  EXPECT_TRUE(check_owner(ci, alice));
  alice.state = LifecycleState::offboarded;
  EXPECT_EQ(check_owner(ci, alice).error(), "owner is offboarded");

  EXPECT_FALSE(check_owner(ci, human("bob")));  // not the recorded owner
  EXPECT_FALSE(check_owner(human("carol"), human("alice")));  // humans have no owner

  const Actor machine_owner = workload("alice", "dave");  // id matches, kind does not
  EXPECT_EQ(check_owner(ci, machine_owner).error(), "owner must be a human");
}

}  // namespace
}  // namespace mandate::core
