// The replay window (internal/replay_window.h): a proof's jti held in
// memory by the decision that accepted it, learned from the ledger by every
// other writer and by a window opened later, and forgotten once the proof
// could no longer be fresh.
#include "broker/internal/replay_window.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "broker_fixture.h"
#include "encoding/base64.h"
#include "store/sqlite/sqlite_store.h"

namespace mandate::broker {
namespace {

class ReplayWindowTest : public BrokerTest {
 protected:
  DecisionResult decide(const std::string& token, const std::string& proof, Broker& on) {
    return on.authorize({token, proof, "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
  }
  // The jti a proof states.
  static std::string jti_of(const std::string& proof) {
    const auto first = proof.find('.');
    const auto second = proof.find('.', first + 1);
    const auto payload = encoding::base64url_decode(proof.substr(first + 1, second - first - 1));
    return nlohmann::json::parse(std::string(payload->begin(), payload->end()))["jti"].get<std::string>();
  }
  std::chrono::microseconds lifetime() const { return proof_claim_lifetime(settings.proof_max_age); }
};

// Another process on the same home accepted the proof after this one's
// window was loaded: the claim check under the append lock reads that
// decision, so the allow this broker decided is decided again, as a replay.
TEST_F(ReplayWindowTest, AProofAnotherProcessAcceptedIsAReplayHere) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow) << "this broker's window is loaded";
  auto other_store = store::open_sqlite_store((tmp / "m.db").string());
  ledger::Ledger other_ledger(*other_store, "test/broker");
  Broker other(*other_store, other_ledger, *keyring, settings, [this] { return clock_now; });

  const std::string proof = prove(m.token);
  ASSERT_TRUE(decide(m.token, proof, other).allow);
  const auto here = decide(m.token, proof, *broker);
  EXPECT_FALSE(here.allow);
  EXPECT_EQ(here.decided_by, "proof");
  EXPECT_EQ(here.reasons, std::vector<std::string>{"replayed: this proof was already presented"});
  EXPECT_TRUE(use(m.token).allow) << "the replay used nothing: the third use is still there";
  EXPECT_FALSE(use(m.token).allow);
}

// A process that opens the home later (a restart) reads the decisions of
// the last lifetime and refuses their proofs; older ones it does not hold,
// as freshness refuses them anyway.
TEST_F(ReplayWindowTest, AWindowOpenedLaterHoldsTheProofsOfTheRecentDecisionsOnly) {
  const auto m = issued(approved_task(scope()));
  const std::string old_proof = prove(m.token);
  ASSERT_TRUE(decide(m.token, old_proof, *broker).allow);
  clock_now += std::chrono::duration_cast<std::chrono::seconds>(lifetime()) + std::chrono::seconds(45);
  const std::string recent_proof = prove(m.token);
  ASSERT_TRUE(decide(m.token, recent_proof, *broker).allow);

  ReplayWindow opened(*store, lifetime(), [this] { return clock_now; });
  EXPECT_TRUE(opened.held(kProofClaimKind, jti_of(recent_proof)));
  EXPECT_FALSE(opened.held(kProofClaimKind, jti_of(old_proof)));
  EXPECT_EQ(opened.held_count(), 1u);

  auto restarted_store = store::open_sqlite_store((tmp / "m.db").string());
  ledger::Ledger restarted_ledger(*restarted_store, "test/broker");
  Broker restarted(*restarted_store, restarted_ledger, *keyring, settings, [this] { return clock_now; });
  const auto replay = decide(m.token, recent_proof, restarted);
  EXPECT_FALSE(replay.allow);
  EXPECT_EQ(replay.decided_by, "proof");
}

// A claim is forgotten once this process's clock has passed its end: the
// times another server writes, its clock an hour ahead, end nothing here.
TEST_F(ReplayWindowTest, AClaimIsForgottenOnceItsProofCouldNoLongerBeFresh) {
  ReplayWindow window(*store, lifetime(), [this] { return clock_now; });
  const auto claim = [](const std::string& id, core::Timestamp until) {
    store::RecordPut put{kProofClaimKind, id, "", claim_body(until), store::kAbsent, false};
    put.claim = true;
    return std::vector<store::RecordPut>{put};
  };
  ASSERT_FALSE(window.held(kProofClaimKind, "first")) << "loads the home: no decisions in it";
  const core::Timestamp start = clock_now;
  window.committed(0, 0, claim("first", start + lifetime()));
  EXPECT_TRUE(window.held(kProofClaimKind, "first"));
  window.committed(0, 0, claim("ahead", start + std::chrono::hours(1) + lifetime()));
  EXPECT_TRUE(window.held(kProofClaimKind, "first")) << "another server's time ends nothing";

  clock_now = start + lifetime();
  window.committed(0, 0, claim("second", clock_now + lifetime()));
  EXPECT_TRUE(window.held(kProofClaimKind, "first")) << "held through the end of its lifetime";
  clock_now += std::chrono::seconds(1);
  window.committed(0, 0, claim("third", clock_now + lifetime()));
  EXPECT_FALSE(window.held(kProofClaimKind, "first"));
  EXPECT_TRUE(window.held(kProofClaimKind, "second"));
  EXPECT_EQ(window.held_count(), 3u) << "ahead, second and third";
}

}  // namespace
}  // namespace mandate::broker
