// Broker::authorize_without_waiting: the decisions authorize makes,
// recorded the same way and told once durable; a commit that finds its
// state moved is decided again from the committing thread. TaskTurns: a
// turn taken is not free until it ends, on whichever thread.
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "broker/internal/task_turns.h"
#include "broker/lookups.h"
#include "broker/records.h"
#include "broker/step.h"
#include "broker_fixture.h"

namespace mandate::broker {
namespace {

class DecisionsWithoutWaiting : public BrokerTest {
 protected:
  DecisionRequest request(const std::string& token) {
    return {token, prove(token), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt};
  }
  std::optional<DecisionResult> decide(const DecisionRequest& r) { return decide_without_waiting(*broker, r); }
  void put_executor_state(core::LifecycleState state) {
    auto executor = get_actor(*store, kWorkload);
    executor.value.actor.state = state;
    Step step("actor.test", as("operator", CallerKind::home_operator), clock_now);
    step.put(kActorKind, kWorkload, store->record(kActorKind, kWorkload)->ref, to_json(executor.value), executor.version);
    step.commit(*ledger);
  }
};

TEST_F(DecisionsWithoutWaiting, AnAllowIsRecordedAsAuthorizeRecordsItAndItsProofOnce) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow);  // the policy set checked just now, the state remembered
  const DecisionRequest r = request(m.token);
  const auto size = ledger->size();
  const auto allowed = decide(r);
  ASSERT_TRUE(allowed) << "left to authorize on a SQLite store with nothing in flight";
  EXPECT_TRUE(allowed->allow) << allowed->reasons.front();
  EXPECT_EQ(allowed->ledger_index, size);
  EXPECT_EQ(ledger->size(), size + 1);
  const std::string entry = ledger->entry_bytes(allowed->ledger_index);
  EXPECT_NE(entry.find(R"("decision":"allow")"), std::string::npos) << entry;
  EXPECT_NE(entry.find(R"("task_uses":2)"), std::string::npos) << entry;
  EXPECT_EQ(store->record_version(kTaskUsesKind, allowed->task_id), 2);

  const auto replayed = decide(r);
  ASSERT_TRUE(replayed);
  EXPECT_FALSE(replayed->allow);
  EXPECT_EQ(replayed->decided_by, "proof");
  EXPECT_EQ(replayed->ledger_index, size + 1);
  EXPECT_EQ(store->record_version(kTaskUsesKind, allowed->task_id), 2);
}

// The executor suspended behind the broker's back (another process): the
// remembered state allows, its commit conflicts, and the decision made
// again on fresh state is the deny that is recorded, alone.
TEST_F(DecisionsWithoutWaiting, AStateThatMovedUnderItIsDecidedAgainFromTheCommit) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow);
  put_executor_state(core::LifecycleState::suspended);
  const auto size = ledger->size();
  const auto denied = decide(request(m.token));
  ASSERT_TRUE(denied);
  EXPECT_FALSE(denied->allow);
  EXPECT_EQ(denied->decided_by, "revocation");
  EXPECT_EQ(denied->ledger_index, size);
  EXPECT_EQ(ledger->size(), size + 1);
}

TEST_F(DecisionsWithoutWaiting, BadInputThrowsAndAToolCallIsLeftToAuthorize) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow);
  const auto size = ledger->size();
  DecisionRequest tool = request(m.token);
  ToolCall call;
  call.server = "files";
  call.tool = "read";
  tool.tool_call = call;
  EXPECT_FALSE(decide(tool)) << "a tool call may be held for approval, which waits";
  DecisionRequest malformed = request(m.token);
  malformed.context_json = "{not json";
  EXPECT_THROW(decide(malformed), Error);
  DecisionRequest not_a_token = request(m.token);
  not_a_token.token = "not-a-jws";
  EXPECT_THROW(decide(not_a_token), Error);
  EXPECT_EQ(ledger->size(), size);
}

TEST(TaskTurns, ATurnIsTakenOnlyWhenFreeAndEndsOnAnyThread) {
  TaskTurns turns;
  auto turn = turns.take_if_free("t-1");
  ASSERT_TRUE(turn);
  EXPECT_FALSE(turns.take_if_free("t-1"));
  EXPECT_TRUE(turns.take_if_free("t-2")) << "another task's stripe";
  std::thread ender([held = std::move(*turn)]() mutable { held.end(); });
  ender.join();
  auto waited = turns.wait_for("t-1");
  EXPECT_FALSE(turns.take_if_free("t-1"));
  waited.end();
  EXPECT_TRUE(turns.take_if_free("t-1"));
}

// A turn is the task's own: decisions on other tasks never find it taken
// (with turns shared by a hash of the task id, some 4 % of the decisions at
// 64 connections were handed to a waiting thread for a task not theirs).
// Once every turn has ended, no task is remembered.
TEST(TaskTurns, DecisionsOnOtherTasksNeverWaitForATurn) {
  TaskTurns turns;
  std::vector<TaskTurns::Turn> held;
  for (int i = 0; i < 5000; ++i) {
    auto turn = turns.take_if_free("task-" + std::to_string(i));
    ASSERT_TRUE(turn) << "task-" << i << " found taken";
    held.push_back(std::move(*turn));
  }
  EXPECT_FALSE(turns.take_if_free("task-17"));
  EXPECT_EQ(turns.waiting("task-17"), 0u);
  held.clear();
  turns.wait_until_all_end();
  EXPECT_TRUE(turns.take_if_free("task-17"));
}

// Under load several decisions on one task queue for it; whoever asked
// first goes first, so none waits behind later ones (a decision on
// PostgreSQL waited up to a second at 64 connections when turns went to
// whichever waiter woke first).
TEST(TaskTurns, TurnsAreTakenInTheOrderAskedFor) {
  TaskTurns turns;
  auto held = turns.take_if_free("t");
  ASSERT_TRUE(held);
  std::mutex order_mu;
  std::vector<int> order;
  std::vector<std::thread> askers;
  for (int i = 0; i < 4; ++i) {
    askers.emplace_back([&, i] {
      auto turn = turns.wait_for("t");
      std::lock_guard lock(order_mu);
      order.push_back(i);
    });
    while (turns.waiting("t") < static_cast<std::uint64_t>(i + 1)) std::this_thread::yield();
  }
  held->end();
  for (auto& t : askers) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(turns.waiting("t"), 0u);
  EXPECT_TRUE(turns.take_if_free("t"));
}

}  // namespace
}  // namespace mandate::broker
