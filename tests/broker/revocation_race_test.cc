// A revocation that commits while a decision is in flight: the decision
// read the mandate, task and executor as standing, and its allow commits
// only if they still are. Here the revocation is committed (through another
// writer, as another server would) between the decision's checks and its
// commit; the allow must not land after it.
#include <gtest/gtest.h>

#include <functional>

#include "broker_fixture.h"

namespace mandate::broker {
namespace {

// The real store, with a hook run once just before the next append: where
// another writer's commit lands between a decision's reads and its own.
class InterleavingStore final : public store::LedgerStore {
 public:
  explicit InterleavingStore(store::LedgerStore& inner) : inner_(inner) {}
  std::function<void()> before_next_append;

  std::uint64_t ledger_size() override { return inner_.ledger_size(); }
  void append_sequenced(const store::Sequencer& sequence) override {
    if (auto hook = std::exchange(before_next_append, nullptr)) hook();
    inner_.append_sequenced(sequence);
  }
  std::int64_t record_version(const std::string& kind, const std::string& id) override {
    return inner_.record_version(kind, id);
  }
  std::optional<store::LedgerRow> ledger_row(std::uint64_t i) override { return inner_.ledger_row(i); }
  std::optional<store::Hash> ledger_node(unsigned level, std::uint64_t i) override { return inner_.ledger_node(level, i); }
  std::vector<std::optional<store::Hash>> ledger_nodes(std::span<const store::NodeId> ids) override {
    return inner_.ledger_nodes(ids);
  }
  void scan_ledger(std::uint64_t from, std::uint64_t to, const std::function<bool(const store::LedgerRow&)>& visit) override {
    inner_.scan_ledger(from, to, visit);
  }
  void add_checkpoint(const store::StoredCheckpoint& c) override { inner_.add_checkpoint(c); }
  std::vector<store::StoredCheckpoint> checkpoints() override { return inner_.checkpoints(); }

 private:
  store::LedgerStore& inner_;
};

class RevocationRace : public BrokerTest {
 protected:
  // A second server: the same store and keys, its own ledger writer.
  DecisionResult decide_while(const std::string& token, const std::function<void()>& committed_meanwhile) {
    InterleavingStore interleaving(*store);
    ledger::Ledger other_ledger(interleaving, "test/broker");
    Broker other(*store, other_ledger, *keyring, settings, [this] { return clock_now; });
    interleaving.before_next_append = committed_meanwhile;
    return other.authorize({token, prove(token), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
  }
};

TEST_F(RevocationRace, AMandateRevokedWhileItsDecisionIsInFlightIsDenied) {
  const auto m = issued(approved_task(scope()));
  const auto d = decide_while(m.token, [&] { broker->revoke_mandate(as("bob"), m.record.mandate.id, "compromised"); });
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.decided_by, "revocation");
  EXPECT_NE(d.reasons.front().find("revoked"), std::string::npos) << d.reasons.front();
}

TEST_F(RevocationRace, ATaskCancelledWhileItsDecisionIsInFlightIsDenied) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  const auto d = decide_while(m.token, [&] { broker->cancel(as("alice"), task, "not needed any more"); });
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.decided_by, "revocation");
}

TEST_F(RevocationRace, AnUnrelatedCommitMeanwhileDoesNotCostTheAllow) {
  const auto m = issued(approved_task(scope()));
  const auto other = issued(approved_task(scope()));
  const auto d = decide_while(m.token, [&] { broker->revoke_mandate(as("bob"), other.record.mandate.id, "another one"); });
  EXPECT_TRUE(d.allow) << d.reasons.front();
}

}  // namespace
}  // namespace mandate::broker
