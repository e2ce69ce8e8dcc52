// One test per invariant, each trying to break it (DESIGN.md, issue 4).
#include <atomic>
#include <thread>

#include "broker/records.h"
#include "broker_fixture.h"
#include "broker/key_acceptance.h"
#include "broker/lookups.h"
#include "broker/step.h"
#include "encoding/base64.h"
#include "token/jws.h"
#include "token/mandate_token.h"

namespace mandate::broker {
namespace {

void expect_refused(const std::function<void()>& step, ErrorKind kind = ErrorKind::bad_input) {
  try {
    step();
    ADD_FAILURE() << "the step was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
  }
}

// Refused, and for the reason the test is about: a refusal by some other
// check that happens to come first proves nothing about this one.
void expect_refused_because(const std::function<void()>& step, const std::string& reason,
                            ErrorKind kind = ErrorKind::bad_input) {
  try {
    step();
    ADD_FAILURE() << "the step was accepted; expected a refusal naming " << reason;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << "refused, but not because of " << reason
                                                                      << ": " << e.what();
  }
}

TEST_F(BrokerTest, NobodyApprovesTheirOwnRequest) {
  const auto id = broker->request_task(as("bob"), {"x", std::nullopt, kWorkload, scope(), std::chrono::minutes(5)}).task_id;
  const auto before = ledger->size();
  expect_refused_because([&] { broker->approve(as("bob"), id, ""); }, ": is_initiator");
  EXPECT_EQ(ledger->size(), before);
}

TEST_F(BrokerTest, TheExecutorAndWorkloadsCannotApprove) {
  // Every non-human here is in the rule's approver group "sre", so the group
  // rule would let them approve: only invariant 1 (core::check_approver)
  // stands in the way, and the refusal must name its reason.
  const Caller op{"operator", broker::CallerKind::home_operator, "test"};
  const auto add = [&](const std::string& id, core::ActorKind kind) {
    core::Actor a;
    a.id = id;
    a.kind = kind;
    a.owner = "carol";
    a.groups = {"sre"};
    broker->add_actor(op, a, token::PrivateKey::generate(token::Algorithm::EdDSA).public_key().jwk_json());
  };
  const std::string executor = "spiffe://example.org/ci/sre-bot";
  const std::string other_workload = "spiffe://example.org/ci/other-bot";
  add(executor, core::ActorKind::workload);
  add(other_workload, core::ActorKind::workload);
  add("agent:release-bot", core::ActorKind::agent);
  const auto id = broker->request_task(as("alice"), {"x", std::nullopt, executor, scope(), std::chrono::minutes(5)}).task_id;
  const auto before = ledger->size();
  expect_refused_because([&] { broker->approve(as(executor, CallerKind::workload), id, ""); }, ": is_executor");
  expect_refused_because([&] { broker->approve(as(other_workload, CallerKind::workload), id, ""); }, ": not_human");
  expect_refused_because([&] { broker->approve(as("agent:release-bot", CallerKind::agent), id, ""); }, ": not_human");
  // Denying is deciding too.
  expect_refused_because([&] { broker->deny(as(executor, CallerKind::workload), id, "no"); }, ": is_executor");
  EXPECT_EQ(broker->task(id).approvals.size(), 0u);
  EXPECT_EQ(ledger->size(), before);
  // The same people of group sre who are human do count.
  EXPECT_EQ(broker->approve(as("bob"), id, "ok").rule_status, "pending");
}

TEST_F(BrokerTest, AMandateCarriesExactlyTheApprovedScope) {
  const auto m = issued(approved_task(scope()));
  EXPECT_EQ(m.record.mandate.scope, scope());
  EXPECT_EQ(use(m.token, "deploy", "prod/ledger").decided_by, "scope");
  EXPECT_EQ(use(m.token, "delete", "prod/payments").decided_by, "scope");
}

// Invariant 2 at issue. Broker::issue takes no scope (it copies the approved
// task's), so a broader scope cannot be asked of the broker; what can be
// asked, a broader audience, is refused. The broker's last word before it
// signs is core::check_issuance on the mandate it built and the task as
// approved: that check is attempted here with the broker's own records,
// widened the ways a bug or a tampered record could widen them.
TEST_F(BrokerTest, AMandateBroaderThanItsTaskIsNeverIssued) {
  const std::string task_id = approved_task(scope());
  expect_refused_because([&] { broker->issue(as(kWorkload, CallerKind::workload), task_id, std::nullopt, {"https://evil.example.com"}); },
                         "is not a resource server task " + task_id + " was approved for");
  const auto m = issued(task_id);
  core::Task as_approved = broker->task(task_id).record.task;
  as_approved.state = core::TaskState::approved;  // as issuance.cc sees an active task
  const core::Mandate& issued_mandate = m.record.mandate;
  ASSERT_EQ(core::check_issuance(issued_mandate, as_approved), std::nullopt);

  const auto widened = [&](auto change) {
    core::Mandate wider = issued_mandate;
    change(wider.scope);
    return core::check_issuance(wider, as_approved);
  };
  EXPECT_EQ(widened([](core::Scope& s) { s[0].actions.push_back("delete"); }), core::IssuanceFault::scope_broader);
  EXPECT_EQ(widened([](core::Scope& s) { s[0].resources.push_back("prod/ledger"); }), core::IssuanceFault::scope_broader);
  EXPECT_EQ(widened([](core::Scope& s) { s[0].locations.push_back("prod/*"); }), core::IssuanceFault::scope_broader);
  EXPECT_EQ(widened([](core::Scope& s) { s.push_back({"secrets", {"read"}, {}, {"vault/prod"}, ""}); }),
            core::IssuanceFault::scope_broader);
  // Narrower is fine.
  EXPECT_EQ(widened([](core::Scope& s) { s[0].actions = {"deploy"}; }), std::nullopt);
}

TEST_F(BrokerTest, NoMandateOutlivesItsRule) {
  expect_refused([&] { broker->request_task(as("alice"), {"x", std::nullopt, kWorkload, scope(), std::chrono::hours(2)}); });
  const auto m = issued(approved_task(scope()));
  EXPECT_LE(m.record.mandate.expires_at - m.record.mandate.not_before, std::chrono::minutes(10));
}

TEST_F(BrokerTest, AttenuationCannotWidenScopeOrLifetime) {
  const auto parent = issued(approved_task(scope()));
  const auto attenuate = [&](core::Scope s, std::chrono::seconds ttl) {
    Broker::Attenuation a;
    a.parent_token = parent.token;
    a.parent_proof = prove(parent.token, "mandate:attenuate", kWorkload);
    a.scope = std::move(s);
    a.ttl = ttl;
    return broker->attenuate(a);
  };
  expect_refused_because([&] { attenuate(scope("deploy", "prod/ledger"), std::chrono::minutes(1)); }, "scope_broader");
  expect_refused_because([&] { attenuate(scope(), std::chrono::hours(1)); }, "outlives the parent mandate");
  const auto child = attenuate(scope(), std::chrono::minutes(2));
  EXPECT_EQ(child.record.mandate.depth, 1u);
  EXPECT_EQ(child.record.mandate.parent_id, parent.record.mandate.id);
  EXPECT_TRUE(use(child.token).allow);
  // Revoking the parent ends the child too.
  broker->revoke_mandate(as("bob"), parent.record.mandate.id, "done early");
  EXPECT_EQ(use(child.token).decided_by, "revocation");
}

TEST_F(BrokerTest, AttenuationNeedsTheParentHoldersProof) {
  const auto parent = issued(approved_task(scope()));
  const auto thief = token::PrivateKey::generate(token::Algorithm::EdDSA);
  Broker::Attenuation a;
  a.parent_token = parent.token;
  a.parent_proof = prove(parent.token, "mandate:attenuate", kWorkload, &thief);
  a.scope = scope();
  a.ttl = std::chrono::minutes(1);
  expect_refused([&] { broker->attenuate(a); });
}

TEST_F(BrokerTest, ExpiredMandatesAreDenied) {
  const auto m = issued(approved_task(scope()));
  clock_now += std::chrono::minutes(11);
  EXPECT_EQ(use(m.token).decided_by, "time");
}

TEST_F(BrokerTest, RevokedMandatesAreDeniedAtOnce) {
  const auto m = issued(approved_task(scope()));
  EXPECT_TRUE(use(m.token).allow);
  broker->revoke_mandate(as("carol"), m.record.mandate.id, "suspicious");
  EXPECT_EQ(use(m.token).decided_by, "revocation");
}

TEST_F(BrokerTest, UsesAreCountedEvenUnderConcurrency) {
  const auto m = issued(approved_task(scope()));  // max_uses 3
  std::atomic<int> allowed{0}, spent{0};
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < 8; ++i) {
      callers.emplace_back([&] {
        const auto d = use(m.token);
        if (d.allow) ++allowed;
        else if (d.decided_by == "uses") ++spent;
      });
    }
  }
  EXPECT_EQ(allowed.load(), 3);
  EXPECT_EQ(spent.load(), 5);
}

TEST_F(BrokerTest, APresentationWithoutOrWithAnotherProofIsDenied) {
  const auto m = issued(approved_task(scope()));
  EXPECT_EQ(broker->authorize({m.token, "", "deploy", "prod/payments", "{}", std::nullopt, std::nullopt}).decided_by, "proof");
  const auto other = token::PrivateKey::generate(token::Algorithm::EdDSA);
  EXPECT_EQ(broker->authorize({m.token, prove(m.token, "deploy", "prod/payments", &other), "deploy", "prod/payments", "{}",
                               std::nullopt, std::nullopt}).decided_by, "proof");
  // A proof for another action, or another token, does not transfer.
  EXPECT_EQ(broker->authorize({m.token, prove(m.token, "deploy", "prod/other"), "deploy", "prod/payments", "{}",
                               std::nullopt, std::nullopt}).decided_by, "proof");
  const auto second = issued(approved_task(scope()));
  EXPECT_EQ(broker->authorize({m.token, prove(second.token), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt}).decided_by,
            "proof");
  EXPECT_TRUE(use(m.token).allow);
}

TEST_F(BrokerTest, AReplayedProofIsDenied) {
  const auto m = issued(approved_task(scope()));
  const std::string proof = prove(m.token);
  EXPECT_TRUE(broker->authorize({m.token, proof, "deploy", "prod/payments", "{}", std::nullopt, std::nullopt}).allow);
  const auto replay = broker->authorize({m.token, proof, "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
  EXPECT_FALSE(replay.allow);
  EXPECT_EQ(replay.decided_by, "proof");
}

TEST_F(BrokerTest, AlgNoneIsNeverAccepted) {
  const auto m = issued(approved_task(scope()));
  const auto dot = m.token.find('.');
  const std::string header = encoding::base64url_encode(std::string_view(R"({"alg":"none","typ":"at+jwt"})"));
  const std::string payload = m.token.substr(dot, m.token.rfind('.') - dot);
  // Unsigned, as RFC 7519 spells an unsecured JWT, and with the real
  // signature left on: both are refused by the algorithm check itself.
  for (const std::string& forged : {header + payload + ".", header + payload + m.token.substr(m.token.rfind('.'))}) {
    const auto d = broker->authorize({forged, prove(forged), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
    EXPECT_FALSE(d.allow);
    EXPECT_EQ(d.decided_by, "algorithm") << (d.reasons.empty() ? "" : d.reasons[0]);
  }
}

TEST_F(BrokerTest, AForeignKeyIsRefusedEvenWithOurKid) {
  const auto m = issued(approved_task(scope()));
  auto decoded = token::decode_compact(m.token).value();
  const auto foreign = token::PrivateKey::generate(token::Algorithm::EdDSA);
  const std::string forged = token::encode_compact(decoded.header, decoded.payload,
                                                   [&](std::string_view input) { return foreign.sign(input); });
  EXPECT_EQ(broker->authorize({forged, prove(forged), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt}).decided_by, "signature");
}

TEST_F(BrokerTest, ARotatedOutKeyStopsVerifyingAfterItsGrace) {
  settings.key_grace = std::chrono::minutes(2);
  broker = std::make_unique<Broker>(*store, *ledger, *keyring, settings, [this] { return clock_now; });
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(keyring->rotate());
  EXPECT_TRUE(use(m.token).allow);  // within the grace period
  clock_now += std::chrono::minutes(3);
  EXPECT_EQ(use(m.token).decided_by, "key_id");
  // New mandates are signed with the new key and verify.
  EXPECT_TRUE(use(issued(approved_task(scope())).token).allow);
}

// A staged key: mandates verify with it at once (another server may already
// sign with it), but this broker signs with it only from its activation on;
// the key it replaces stays accepted until grace after that activation, not
// after the staged key was made, and what it signed still verifies.
TEST_F(BrokerTest, AStagedKeySignsOnlyFromItsActivationAndTheOldMandateStillVerifies) {
  settings.key_grace = std::chrono::minutes(2);
  broker = std::make_unique<Broker>(*store, *ledger, *keyring, settings, [this] { return clock_now; });
  const std::string old_kid = keyring->current()->active().kid();
  const auto m = issued(approved_task(scope()));
  const auto activation = std::chrono::floor<std::chrono::seconds>(clock_now) + std::chrono::hours(1);
  const auto staged = keyring->rotate(activation);
  ASSERT_TRUE(staged) << staged.error();
  const auto kid_of = [](const std::string& token) { return token::decode_compact(token).value().header.value("kid", ""); };

  clock_now += std::chrono::minutes(5);  // past the grace counted from the staged key's creation
  EXPECT_TRUE(use(m.token).allow);
  const auto before = issued(approved_task(scope()));
  EXPECT_EQ(kid_of(before.token), old_kid);
  EXPECT_TRUE(use(before.token).allow);

  clock_now = core::Timestamp(activation) + std::chrono::seconds(1);
  const auto after = issued(approved_task(scope()));
  EXPECT_EQ(kid_of(after.token), *staged);
  EXPECT_TRUE(use(after.token).allow);
  EXPECT_TRUE(acceptable_key(*keyring->current(), old_kid, clock_now, settings.key_grace));  // within grace after it
  EXPECT_FALSE(acceptable_key(*keyring->current(), old_kid, clock_now + std::chrono::minutes(3), settings.key_grace));
}

TEST_F(BrokerTest, OffboardingAnOwnerRevokesItsMachinesMandates) {
  const auto m = issued(approved_task(scope()));
  const auto done = broker->offboard_actor({"operator", broker::CallerKind::home_operator, "test"}, "alice", "left");
  EXPECT_EQ(done.revoked_mandates, std::vector<std::string>{m.record.mandate.id});
  EXPECT_EQ(use(m.token).decided_by, "revocation");
}

TEST_F(BrokerTest, ASuspendedExecutorIsDenied) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow) << "the decision state is now remembered";
  broker->suspend_actor({"operator", broker::CallerKind::home_operator, "test"}, kWorkload, "investigating");
  EXPECT_EQ(use(m.token).decided_by, "revocation");
}

// The broker remembers what its last decision on a mandate read. A change
// it did not make itself (another server on the same store) is found by the
// allow's commit, or by deciding a deny again on fresh state.
TEST_F(BrokerTest, ARememberedStateNeverDecidesAlone) {
  const auto m = issued(approved_task(scope()));
  ASSERT_TRUE(use(m.token).allow);
  const auto put_executor_state = [&](core::LifecycleState state) {
    auto executor = get_actor(*store, kWorkload);
    executor.value.actor.state = state;
    Step step("actor.test", as("operator", CallerKind::home_operator), clock_now);
    step.put(kActorKind, kWorkload, store->record(kActorKind, kWorkload)->ref, to_json(executor.value), executor.version);
    step.commit(*ledger);
  };
  put_executor_state(core::LifecycleState::suspended);
  const auto denied = use(m.token);
  EXPECT_EQ(denied.decided_by, "revocation") << "the remembered active executor could not allow";
  put_executor_state(core::LifecycleState::active);
  EXPECT_TRUE(use(m.token).allow) << "the remembered suspended executor could not deny";
}

TEST_F(BrokerTest, TheLedgerNeverHoldsATokenOrAProof) {
  const auto m = issued(approved_task(scope()));
  const std::string proof = prove(m.token);
  broker->authorize({m.token, proof, "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
  for (std::uint64_t i = 0; i < ledger->size(); ++i) {
    const std::string entry = ledger->entry_bytes(i);
    EXPECT_EQ(entry.find(m.token.substr(m.token.rfind('.') + 1)), std::string::npos) << "signature in entry " << i;
    EXPECT_EQ(entry.find(proof.substr(proof.rfind('.') + 1)), std::string::npos) << "proof in entry " << i;
  }
}

}  // namespace
}  // namespace mandate::broker

namespace mandate::broker {

TEST_F(BrokerTest, ACertificateBoundMandateNeedsThePresentersCertificateNotAProof) {
  const std::string thumbprint(43, 'A');  // an x5t#S256 as the server computes it
  const auto m = broker->issue(as(kWorkload, CallerKind::workload), approved_task(scope()), thumbprint);
  EXPECT_EQ(m.record.mandate.key_binding.kind, core::KeyBindingKind::x5t_s256);
  auto request = [&](std::optional<std::string> presented) {
    return broker->authorize({m.token, "", "deploy", "prod/payments", "{}", std::nullopt, std::move(presented)});
  };
  EXPECT_EQ(request(std::nullopt).decided_by, "proof");
  EXPECT_EQ(request(std::string(43, 'B')).decided_by, "proof");
  const auto allowed = request(thumbprint);
  EXPECT_TRUE(allowed.allow) << allowed.decided_by;
  EXPECT_THROW(broker->issue(as(kWorkload, CallerKind::workload), approved_task(scope()), std::string("short")), Error);
}

TEST_F(BrokerTest, IntrospectionSaysWhetherAMandateIsLiveAndRecordsNothing) {
  const auto task = approved_task(scope());
  const auto m = issued(task);
  const auto size = ledger->size();
  const auto live = broker->introspect(m.token);
  EXPECT_TRUE(live.active);
  EXPECT_EQ(live.jti, m.record.mandate.id);
  EXPECT_NE(live.payload_json.find("\"task_id\""), std::string::npos);
  EXPECT_EQ(ledger->size(), size);
  EXPECT_FALSE(broker->introspect("not.a.token").active);
  broker->complete(as(kWorkload, CallerKind::workload), task, core::OutcomeResult::success, "");
  const auto ended = broker->introspect(m.token);
  EXPECT_FALSE(ended.active);
  EXPECT_EQ(ended.jti, m.record.mandate.id);
}

}  // namespace mandate::broker
