// Remembered use counts (internal/remembered_uses.h): recalled only when all
// are known, moved by the allows this process commits, and never trusted
// over the store: another process's allow in between makes the recalled
// allow a conflict, decided again on counts read afresh.
#include "broker/internal/remembered_uses.h"

#include <gtest/gtest.h>

#include "broker/records.h"
#include "broker_fixture.h"
#include "store/sqlite/sqlite_store.h"

namespace mandate::broker {
namespace {

std::vector<UseCount> counts_of(const std::string& mandate, const std::string& task) {
  return {{kUsesKind, mandate, task, 0, 3, std::nullopt}, {kTaskUsesKind, task, task, 0, 5, std::nullopt}};
}

TEST(RememberedUses, RecallsOnlyWhenItKnowsEveryCount) {
  RememberedUses memory;
  auto uses = counts_of("m-1", "t-1");
  EXPECT_FALSE(memory.recall(uses));
  std::vector<UseCount> only_the_task{uses.back()};
  only_the_task.back().used = 2;
  memory.note_read(only_the_task);
  EXPECT_FALSE(memory.recall(uses)) << "the mandate's count is not known";
  EXPECT_EQ(uses.back().used, 0) << "a failed recall changes nothing";

  uses[0].used = 1;
  uses[1].used = 2;
  uses[1].last_use = 7;
  memory.note_read(uses);
  memory.note_allowed(uses, 11);
  auto recalled = counts_of("m-1", "t-1");
  ASSERT_TRUE(memory.recall(recalled));
  EXPECT_EQ(recalled[0].used, 2);
  EXPECT_FALSE(recalled[0].last_use) << "only the task's count names its last use";
  EXPECT_EQ(recalled[1].used, 3);
  EXPECT_EQ(recalled[1].last_use, 11u);
}

class RememberedUsesTest : public BrokerTest {};

TEST_F(RememberedUsesTest, AnotherProcessesAllowInBetweenIsNeverLost) {
  const auto m = issued(approved_task(scope()));  // max_uses 3
  ASSERT_TRUE(use(m.token).allow) << "counts read, then noted one up";
  auto other_store = store::open_sqlite_store((tmp / "m.db").string());
  ledger::Ledger other_ledger(*other_store, "test/broker");
  Broker other(*other_store, other_ledger, *keyring, settings, [this] { return clock_now; });
  ASSERT_TRUE(other.authorize({m.token, prove(m.token), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt}).allow);

  // Recalled at one use, stored at two: the commit conflicts, and the
  // decision is made again on the counts as stored.
  const auto third = use(m.token);
  ASSERT_TRUE(third.allow);
  EXPECT_EQ(store->record_version(kUsesKind, m.record.mandate.id), 3);
  const auto fourth = use(m.token);
  EXPECT_FALSE(fourth.allow);
  EXPECT_EQ(fourth.decided_by, "uses");
  const auto entry = nlohmann::json::parse(ledger->entry_bytes(third.ledger_index));
  EXPECT_EQ(entry["data"]["task_uses"], 3);
}

}  // namespace
}  // namespace mandate::broker
