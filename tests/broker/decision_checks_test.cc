// Each of the decision's fixed checks on its own (decision_checks.h): the
// verdict it returns for a presentation, without the rest of authorize.
#include "broker/internal/decision_checks.h"

#include <gtest/gtest.h>

#include "broker/internal/replay_window.h"
#include "broker/internal/seen_proofs.h"
#include "broker/key_acceptance.h"
#include "broker/step.h"
#include "broker/records.h"
#include "broker_fixture.h"
#include "token/mandate_token.h"

namespace mandate::broker {
namespace {

class DecisionChecks : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    mandate = issued(approved_task(scope()));
    const token::KeyLookup lookup = [&](std::string_view kid) { return acceptable_key(*keyring->current(), kid, clock_now, std::chrono::hours(1)); };
    claims = token::verify_mandate_token(mandate.token, lookup, {settings.issuer, std::nullopt, clock_now}).value();
    presentation.claims = &claims;
  }
  // The presentation with the state as stored now.
  Presentation& read_state(Presentation& p) {
    p.state = std::make_shared<const DecisionState>(read_decision_state(*store, *p.claims));
    return p;
  }
  DecisionRequest request(const std::string& action = "deploy", const std::string& resource = "prod/payments") {
    return {mandate.token, prove(mandate.token, action, resource), action, resource, "{}", std::nullopt, std::nullopt};
  }
  // The register the broker made for the ledger.
  ledger::ClaimRegister& seen_proofs() { return *ledger->claims(nullptr); }
  IssuedMandate mandate;
  token::MandateClaims claims;
  Presentation presentation;
};

TEST_F(DecisionChecks, Audience) {
  EXPECT_FALSE(check_audience(claims, "https://mandate.test", settings)) << "the home's default audience";
  claims.audience = {"https://payments.example"};
  EXPECT_FALSE(check_audience(claims, "https://payments.example", settings));
  const auto refused = check_audience(claims, "https://ledger.example", settings);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->check, "audience");
}

TEST_F(DecisionChecks, RevocationFillsWhatLaterChecksNeed) {
  const std::string hash = token::token_hash(mandate.token);
  ASSERT_FALSE(check_revocation(hash, clock_now, read_state(presentation)));
  EXPECT_EQ(presentation.executor_kind, core::ActorKind::workload);
  ASSERT_EQ(presentation.uses.size(), 2u) << "the mandate and the task";
  EXPECT_EQ(presentation.uses.back().limit, 3);
  Presentation other;
  other.claims = &claims;
  EXPECT_EQ(check_revocation(token::token_hash("another token"), clock_now, read_state(other))->check, "revocation");
  const auto before = other.state;
  broker->revoke_mandate(as("carol"), mandate.record.mandate.id, "stop");
  EXPECT_EQ(check_revocation(hash, clock_now, read_state(other))->check, "revocation");
  // The state read before the revocation still passes: what keeps a
  // remembered state from allowing is the commit's version check.
  other.state = before;
  EXPECT_FALSE(check_revocation(hash, clock_now, other));
  EXPECT_LT(other.standing.front().version, read_decision_state(*store, claims).chain.front().version);
}

TEST_F(DecisionChecks, UsesReadsEveryCounter) {
  ASSERT_FALSE(check_revocation(token::token_hash(mandate.token), clock_now, read_state(presentation)));
  EXPECT_FALSE(check_uses_and_proof(*store, seen_proofs(), request(), settings, clock_now, presentation));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(use(mandate.token).allow);
  const auto spent = check_uses_and_proof(*store, seen_proofs(), request(), settings, clock_now, presentation);
  ASSERT_TRUE(spent);
  EXPECT_EQ(spent->check, "uses");
  EXPECT_EQ(presentation.uses.front().used, 3);
}

// The proof is verified before the one read, but the checks' order holds:
// a spent counter is the failure reported, whatever the proof.
TEST_F(DecisionChecks, ASpentCounterIsReportedBeforeABadProof) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(use(mandate.token).allow);
  ASSERT_FALSE(check_revocation(token::token_hash(mandate.token), clock_now, read_state(presentation)));
  DecisionRequest r = request();
  r.proof.clear();
  const auto verdict = check_uses_and_proof(*store, seen_proofs(), r, settings, clock_now, presentation);
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->check, "uses");
  EXPECT_EQ(presentation.presenter.authenticated_by, "unverified: the decision failed before possession was checked");
}

TEST_F(DecisionChecks, ProofSetsThePresenterOnlyWhenProven) {
  ASSERT_FALSE(check_revocation(token::token_hash(mandate.token), clock_now, read_state(presentation)));
  DecisionRequest r = request();
  r.proof.clear();
  EXPECT_EQ(check_uses_and_proof(*store, seen_proofs(), r, settings, clock_now, presentation)->check, "proof");
  EXPECT_EQ(presentation.presenter.actor_id, "unverified-presenter");
  EXPECT_FALSE(check_uses_and_proof(*store, seen_proofs(), request(), settings, clock_now, presentation));
  EXPECT_EQ(presentation.presenter.actor_id, kWorkload);
  EXPECT_TRUE(presentation.proof_jti.has_value());
}

// A decision's proof is a replay once another entry holds its jti, and
// the check reads no record for it.
TEST_F(DecisionChecks, AProofWhoseJtiIsClaimedIsAReplay) {
  Presentation fresh;
  fresh.claims = &claims;
  read_state(fresh);
  const DecisionRequest r = request();
  ASSERT_FALSE(check_uses_and_proof(*store, seen_proofs(), r, settings, clock_now, fresh));
  ASSERT_TRUE(fresh.proof_jti.has_value());
  EXPECT_EQ(fresh.proof_claimed_until, clock_now + proof_claim_lifetime(settings.proof_max_age));
  EXPECT_FALSE(seen_proofs().held(kProofClaimKind, *fresh.proof_jti)) << "checking claims nothing";
  Step step("test.seen", as("tester"), clock_now);
  step.claim(kProofClaimKind, *fresh.proof_jti, fresh.proof_claimed_until);
  step.commit(*ledger);
  EXPECT_FALSE(store->record(kProofClaimKind, *fresh.proof_jti)) << "a claim is not a record";
  Presentation again;
  again.claims = &claims;
  read_state(again);
  const auto verdict = check_uses_and_proof(*store, seen_proofs(), r, settings, clock_now, again);
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->check, "proof");
  EXPECT_EQ(verdict->reason, "replayed: this proof was already presented");
  EXPECT_FALSE(again.proof_jti.has_value());
}

// A proof issued after the home began keeping seen proofs by time cannot
// have been accepted under its jti alone, so that key is not read for it.
TEST_F(DecisionChecks, AJtiAloneIsLookedUpOnlyForProofsIssuedBeforeTheHomeKeptThemByTime) {
  const auto noted = proofs_kept_by_jti_alone_until(*store);
  ASSERT_TRUE(noted) << "the broker notes the time when it opens a home";
  EXPECT_GE(clock_now + kProofClockSkew, *noted);

  Presentation fresh;
  fresh.claims = &claims;
  const DecisionRequest r = request();
  ASSERT_FALSE(check_uses_and_proof(*store, seen_proofs(), r, settings, clock_now, read_state(fresh)));
  Step step("test.seen", as("tester"), clock_now);
  step.put(kProofKind, *fresh.proof_jti, claims.jti, nlohmann::json::object(), store::kAbsent);
  step.commit(*ledger);
  const auto proof = token::verify_proof(r.proof, r.token, claims.key_binding.thumbprint, r.action, r.resource,
                                         {clock_now, settings.proof_max_age, kProofClockSkew});
  ASSERT_TRUE(proof);
  EXPECT_TRUE(proof_was_seen(*store, *proof, std::nullopt)) << "not noted: both keys are read";
  EXPECT_TRUE(proof_was_seen(*store, *proof, proof->issued_at)) << "issued by the noted time";
  EXPECT_FALSE(proof_was_seen(*store, *proof, proof->issued_at - std::chrono::seconds(1))) << "issued after it";

  // Noting again keeps the first time.
  note_time_ordered_proofs(*store, clock_now + std::chrono::hours(1));
  EXPECT_EQ(proofs_kept_by_jti_alone_until(*store), noted);

  // A time that is not one (a hand-edited meta) is read as not noted.
  for (const char* damaged : {"", "soon", "17650000x"}) {
    store->set_meta("seen_proofs.time_ordered_since", damaged);
    EXPECT_FALSE(proofs_kept_by_jti_alone_until(*store)) << damaged;
  }
}

// Ids sort by the proof's iat first, so the records of one commit sit
// together; the id still names the one proof (its jti).
TEST(SeenProofs, IdsSortByIssueTimeThenJti) {
  const auto at = [](std::int64_t seconds) { return core::Timestamp(std::chrono::seconds(seconds)); };
  const std::string early = seen_proof_id({"zzzz", at(1'796'000'000), ""});
  const std::string late = seen_proof_id({"aaaa", at(1'796'000'001), ""});
  EXPECT_EQ(early, "001796000000.zzzz");
  EXPECT_LT(early, late);
  EXPECT_LT(seen_proof_id({"a", at(999'999'999), ""}), seen_proof_id({"a", at(1'000'000'000), ""}));
  EXPECT_EQ(seen_proof_id({"j", at(5) + std::chrono::microseconds(999'999), ""}), "000000000005.j");
}

TEST_F(DecisionChecks, Scope) {
  EXPECT_FALSE(check_scope(claims, request()));
  EXPECT_EQ(check_scope(claims, request("deploy", "prod/ledger"))->check, "scope");
  EXPECT_EQ(check_scope(claims, request("delete", "prod/payments"))->check, "scope");
}

}  // namespace
}  // namespace mandate::broker
