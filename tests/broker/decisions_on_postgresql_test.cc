// Decisions without waiting on a store whose reads wait (PostgreSQL, a real
// server the tests start): made on the caller's thread only from memory, a
// deny and anything not remembered left to authorize, and a conflict
// decided again off the ledger's committing thread.
#include <gtest/gtest.h>

#include "broker/records.h"
#include "broker_fixture.h"
#include "store/postgresql/postgresql_store.h"
#include "support/postgres.h"

namespace mandate::broker {
namespace {

// Made before the broker's store, dropped after it.
struct OnPostgresql {
  mandate::testing::TestDatabase database = mandate::testing::TestDatabase::create();
  store::ConnectionSettings database_settings() const {
    store::ConnectionSettings s;
    s.url = database.url();
    return s;
  }
};

class DecisionsOnPostgresql : protected OnPostgresql, public BrokerTest {
 protected:
  DecisionsOnPostgresql() : BrokerTest(store::create_postgresql_store(database_settings())) {}

  DecisionRequest request(const std::string& token) {
    return {token, prove(token), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt};
  }
};

TEST_F(DecisionsOnPostgresql, OnlyWhatMemoryDecidesIsDecidedWithoutWaiting) {
  ASSERT_FALSE(store->reads_never_wait());
  const auto m = issued(approved_task(scope()));
  EXPECT_FALSE(decide_without_waiting(*broker, request(m.token))) << "nothing remembered yet, the seen proofs not loaded";
  ASSERT_TRUE(use(m.token).allow) << "authorize reads, and remembers";

  const DecisionRequest r = request(m.token);
  const auto size = ledger->size();
  const auto allowed = decide_without_waiting(*broker, r);
  ASSERT_TRUE(allowed);
  EXPECT_TRUE(allowed->allow);
  EXPECT_EQ(allowed->ledger_index, size);
  EXPECT_EQ(store->record_version(kUsesKind, m.record.mandate.id), 2);

  EXPECT_FALSE(decide_without_waiting(*broker, r)) << "a replay is a deny, decided on fresh reads by a thread that may wait";
  const auto replay = broker->authorize(r);
  EXPECT_FALSE(replay.allow);
  EXPECT_EQ(replay.decided_by, "proof");
  EXPECT_EQ(ledger->size(), size + 2) << "the allow and the replay's deny, nothing for the calls left to authorize";
}

// Another server uses the mandate between this one's remembered counts
// and its commit: the commit conflicts, and the decision is made again on
// fresh reads by the retry thread, not the committing one.
TEST_F(DecisionsOnPostgresql, AConflictIsDecidedAgainOnFreshCounts) {
  const auto m = issued(approved_task(scope()));  // max_uses 3
  ASSERT_TRUE(use(m.token).allow);
  auto other_store = store::open_postgresql_store(database_settings());
  ledger::Ledger other_ledger(*other_store, "test/broker");
  Broker other(*other_store, other_ledger, *keyring, settings, [this] { return clock_now; });
  ASSERT_TRUE(other.authorize(request(m.token)).allow);

  const auto third = decide_without_waiting(*broker, request(m.token));
  ASSERT_TRUE(third) << "decided from memory: the counts as this broker last committed them";
  EXPECT_TRUE(third->allow);
  EXPECT_EQ(store->record_version(kUsesKind, m.record.mandate.id), 3);
  const auto entry = nlohmann::json::parse(ledger->entry_bytes(third->ledger_index));
  EXPECT_EQ(entry["data"]["task_uses"], 3);
  EXPECT_FALSE(broker->authorize(request(m.token)).allow) << "spent";
}

}  // namespace
}  // namespace mandate::broker
