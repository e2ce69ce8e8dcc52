// Broker::authorize_without_waiting: the decisions authorize makes,
// recorded the same way and told once durable; a commit that finds its
// state moved is decided again from the committing thread. TaskTurns: a
// turn taken is not free until it ends, on whichever thread.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "broker/internal/task_turns.h"
#include "broker/lookups.h"
#include "broker/records.h"
#include "broker/step.h"
#include "broker_fixture.h"

namespace mandate::broker {
namespace {

// A second connection holding the database's write lock, as another
// process could: until it is released, no commit lands.
class WriteLockHeld {
 public:
  explicit WriteLockHeld(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) == SQLITE_OK &&
        sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK) {
      return;
    }
    // sqlite3_open makes a handle even when it fails: closed here, as no
    // destructor runs for an object whose constructor throws.
    const std::string why = sqlite3_errmsg(db_);
    sqlite3_close(db_);
    throw std::runtime_error("cannot take the write lock on " + path + ": " + why);
  }
  WriteLockHeld(const WriteLockHeld&) = delete;
  WriteLockHeld& operator=(const WriteLockHeld&) = delete;
  ~WriteLockHeld() { release(); }
  void release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

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

// Decisions on one task sent together: the first takes the task's turn,
// the others wait for theirs holding no thread and are then decided
// through `resume` (here a thread of the test's, as the server's network
// threads), none handed back to a thread that waits. Each is recorded once,
// in the order they took their turns, and the mandate's use budget holds.
TEST_F(DecisionsWithoutWaiting, DecisionsOnATaskInFlightWaitForTheirTurnsHoldingNoThread) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow);
  broker->policy_snapshot();
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::function<void()>> resumed;
  std::vector<DecisionResult> told;
  std::size_t resumes = 0;
  bool stopping = false;
  std::thread network([&] {
    std::unique_lock lock(mu);
    for (;;) {
      changed.wait(lock, [&] { return stopping || !resumed.empty(); });
      if (resumed.empty()) return;
      auto task = std::move(resumed.front());
      resumed.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  });
  const Broker::Resume resume = [&](std::function<void()> task) {
    std::lock_guard lock(mu);
    ++resumes;
    resumed.push_back(std::move(task));
    changed.notify_all();
  };
  const auto done = [&](const DecisionResult* result, std::exception_ptr error) {
    std::lock_guard lock(mu);
    EXPECT_FALSE(error);
    if (result) told.push_back(*result);
    changed.notify_all();
  };
  const auto size = ledger->size();
  constexpr int kDecisions = 12;
  // The first decision's commit cannot land while every other is asked:
  // each of those finds the task's turn taken, whatever the machine's speed.
  WriteLockHeld other_writer((tmp / "m.db").string());
  for (int i = 0; i < kDecisions; ++i) {
    EXPECT_TRUE(broker->authorize_without_waiting(request(m.token), std::nullopt, done, resume)) << "decision " << i;
  }
  other_writer.release();
  {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return told.size() == kDecisions; });
    stopping = true;
    changed.notify_all();
  }
  network.join();
  EXPECT_EQ(resumes, kDecisions - 1u) << "every decision after the first found the task's turn taken";
  // The mandate allows 3 uses and one went to the first decision above:
  // the next two in turn are allowed, every later one denied as spent.
  std::sort(told.begin(), told.end(), [](const auto& a, const auto& b) { return a.ledger_index < b.ledger_index; });
  for (int i = 0; i < kDecisions; ++i) {
    const DecisionResult& r = told[static_cast<std::size_t>(i)];
    ASSERT_EQ(r.ledger_index, size + i) << "each recorded once, one after another";
    const std::string entry = ledger->entry_bytes(r.ledger_index);
    if (i < 2) {
      EXPECT_TRUE(r.allow) << (r.reasons.empty() ? "" : r.reasons.front());
      EXPECT_NE(entry.find("\"task_uses\":" + std::to_string(i + 2) + ","), std::string::npos) << entry;
    } else {
      EXPECT_FALSE(r.allow) << "decision " << i;
      EXPECT_NE(entry.find("spent"), std::string::npos) << entry;
    }
  }
  EXPECT_EQ(ledger->size(), size + kDecisions);
  EXPECT_EQ(store->record_version(kTaskUsesKind, told.front().task_id), 3);
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

// An asker that does not wait is called with its turn, in ticket order
// among those that wait, on the thread that ends the turn before it.
TEST(TaskTurns, AParkedAskerIsGivenItsTurnInOrderByTheThreadEndingTheOneBefore) {
  TaskTurns turns;
  auto held = turns.take_if_free("t");
  ASSERT_TRUE(held);
  std::mutex order_mu;
  std::vector<std::string> order;
  std::optional<TaskTurns::Turn> parked_first;
  std::thread::id given_on;
  EXPECT_FALSE(turns.take_or_park("t", [&](TaskTurns::Turn turn) {
    given_on = std::this_thread::get_id();
    std::lock_guard lock(order_mu);
    order.push_back("parked first");
    parked_first = std::move(turn);
  }));
  std::thread waiter([&] {
    auto turn = turns.wait_for("t");
    std::lock_guard lock(order_mu);
    order.push_back("waited");
  });
  while (turns.waiting("t") < 2) std::this_thread::yield();
  EXPECT_FALSE(turns.take_or_park("t", [&](TaskTurns::Turn) {
    std::lock_guard lock(order_mu);
    order.push_back("parked last");
  }));
  EXPECT_EQ(turns.waiting("t"), 3u);
  held->end();
  ASSERT_TRUE(parked_first) << "the first parked asker has the turn now";
  EXPECT_EQ(given_on, std::this_thread::get_id());
  parked_first->end();
  waiter.join();
  EXPECT_EQ(order, (std::vector<std::string>{"parked first", "waited", "parked last"}));
  turns.wait_until_all_end();
  EXPECT_TRUE(turns.take_or_park("t", [](TaskTurns::Turn) { FAIL() << "the turn was free"; }));
}

}  // namespace
}  // namespace mandate::broker
