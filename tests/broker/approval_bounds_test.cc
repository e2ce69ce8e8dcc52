// What one approval allows, in total: the task's use budget across every
// mandate (re-issues and children), who the ledger says presented, a task
// cancelled in flight, and the resource servers a mandate is for.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "broker/records.h"
#include "broker/trace.h"
#include "broker_fixture.h"
#include "token/jws.h"
#include "token/proof.h"

namespace mandate::broker {
namespace {

void expect_refused(const std::function<void()>& step, const std::string& because) {
  try {
    step();
    ADD_FAILURE() << "the step was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
    EXPECT_NE(std::string(e.what()).find(because), std::string::npos) << e.what();
  }
}

class ApprovalBounds : public BrokerTest {
 protected:
  IssuedMandate attenuate(const std::string& parent_token, std::optional<std::uint32_t> max_uses = std::nullopt,
                          std::vector<std::string> audience = {}) {
    Broker::Attenuation a;
    a.parent_token = parent_token;
    a.parent_proof = prove(parent_token, "mandate:attenuate", kWorkload);
    a.scope = scope();
    a.ttl = std::chrono::minutes(2);
    a.max_uses = max_uses;
    a.audience = std::move(audience);
    return broker->attenuate(a);
  }
  int allowed_uses(const std::string& token, int tries) {
    int allowed = 0;
    for (int i = 0; i < tries; ++i) allowed += use(token).allow ? 1 : 0;
    return allowed;
  }
  nlohmann::json entry(std::uint64_t index) { return nlohmann::json::parse(ledger->entry_bytes(index)); }
};

// Seen on main before: with max_uses = 3 per mandate, re-issuing and
// attenuating a spent parent gave far more allowed deploys than approved.
TEST_F(ApprovalBounds, AnApprovalBoundsTheTotalWorkAcrossReissuesAndChildren) {
  const std::string task = approved_task(scope());  // the rule allows 3 uses
  const auto first = issued(task);
  EXPECT_EQ(first.record.mandate.max_uses, 3u);
  EXPECT_EQ(allowed_uses(first.token, 1), 1);
  // A re-issue gets only what is left of the budget.
  const auto second = issued(task);
  EXPECT_EQ(second.record.mandate.max_uses, 2u);
  // A child spends its parent's uses, and the task's.
  const auto child = attenuate(second.token);
  EXPECT_EQ(child.record.mandate.max_uses, 2u);
  EXPECT_EQ(allowed_uses(child.token, 1), 1);
  EXPECT_EQ(allowed_uses(second.token, 5), 1);
  EXPECT_EQ(allowed_uses(child.token, 5), 0);
  // Introspection agrees with the decisions: nothing is left to the child.
  EXPECT_FALSE(broker->introspect(child.token).active);
  EXPECT_EQ(allowed_uses(first.token, 5), 0);
  const auto spent = use(first.token);
  EXPECT_EQ(spent.decided_by, "uses");
  EXPECT_NE(spent.reasons.front().find("task's approval covers 3"), std::string::npos) << spent.reasons.front();
  // Nothing more can be drawn from the approval.
  expect_refused([&] { issued(task); }, "all spent");
  expect_refused([&] { attenuate(second.token); }, "spent");
  // The task records the budget; each allowed decision records the count.
  EXPECT_EQ(broker->task(task).record.use_budget, 3u);
  const std::string trace = render_text(build_trace(*store, *ledger, task));
  EXPECT_NE(trace.find("approval covers 3 use(s) in all"), std::string::npos) << trace;
  EXPECT_NE(trace.find("use 3 of 3 the approval covers"), std::string::npos) << trace;
}

TEST_F(ApprovalBounds, AChildCannotHaveMoreUsesThanItsParentHasLeft) {
  const auto parent = issued(approved_task(scope()));
  EXPECT_TRUE(use(parent.token).allow);
  expect_refused([&] { attenuate(parent.token, 3); }, "exceeds the 2 use(s) left");
  EXPECT_EQ(attenuate(parent.token, 2).record.mandate.max_uses, 2u);
}

TEST_F(ApprovalBounds, ARevokedOrExpiredParentCannotBeAttenuated) {
  const auto parent = issued(approved_task(scope()));
  broker->revoke_mandate(as("carol"), parent.record.mandate.id, "suspicious");
  expect_refused([&] { attenuate(parent.token); }, "revoked");
  const auto other = issued(approved_task(scope()));
  clock_now = other.record.mandate.expires_at;
  expect_refused([&] { attenuate(other.token); }, "the parent mandate has expired");
}

TEST_F(ApprovalBounds, TheUseCountHoldsUnderConcurrencyAcrossMandatesOfOneTask) {
  const std::string task = approved_task(scope());
  const auto a = issued(task);
  const auto b = issued(task);
  std::atomic<int> allowed{0};
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < 8; ++i) {
      callers.emplace_back([&, i] { allowed += use(i % 2 == 0 ? a.token : b.token).allow ? 1 : 0; });
    }
  }
  EXPECT_EQ(allowed.load(), 3);
}

// A stolen bearer copy must not leave records that blame the executor's key.
TEST_F(ApprovalBounds, TheLedgerRecordsWhoPresentedAsFarAsItWasProven) {
  const auto m = issued(approved_task(scope()));
  const auto thief = token::PrivateKey::generate(token::Algorithm::EdDSA);
  const std::string executor_jkt = executor_key.public_key().thumbprint();

  auto d = broker->authorize({m.token, "", "deploy", "prod/payments", "{}", std::nullopt, std::nullopt});
  auto actor = entry(d.ledger_index)["actor"];
  EXPECT_NE(actor["id"], kWorkload);
  EXPECT_EQ(actor.dump().find(executor_jkt), std::string::npos) << actor.dump();
  EXPECT_NE(actor["authenticated_by"].get<std::string>().find("unverified"), std::string::npos) << actor.dump();

  d = broker->authorize({m.token, prove(m.token, "deploy", "prod/payments", &thief), "deploy", "prod/payments", "{}",
                         std::nullopt, std::nullopt});
  actor = entry(d.ledger_index)["actor"];
  EXPECT_EQ(d.decided_by, "proof");
  EXPECT_EQ(actor.dump().find(executor_jkt), std::string::npos) << actor.dump();
  EXPECT_NE(actor["authenticated_by"].get<std::string>().find("unverified: proof binding"), std::string::npos) << actor.dump();

  d = use(m.token);
  ASSERT_TRUE(d.allow);
  actor = entry(d.ledger_index)["actor"];
  EXPECT_EQ(actor["id"], kWorkload);
  EXPECT_EQ(actor["authenticated_by"], "proof-of-possession:jkt=" + executor_jkt);
}

TEST_F(ApprovalBounds, TheInitiatorOrAnApproverCancelsATaskInFlight) {
  const std::string task = approved_task(scope());
  const auto a = issued(task);
  const auto b = issued(task);
  EXPECT_TRUE(use(a.token).allow);
  expect_refused([&] { broker->cancel(as(kWorkload, CallerKind::workload), task, "stop"); }, "initiator");
  const auto cancelled = broker->cancel(as("bob"), task, "the change window closed");
  EXPECT_EQ(std::set<std::string>(cancelled.revoked_mandates.begin(), cancelled.revoked_mandates.end()),
            (std::set<std::string>{a.record.mandate.id, b.record.mandate.id}));
  EXPECT_EQ(broker->task(task).record.task.state, core::TaskState::cancelled);
  for (const auto& m : broker->task(task).mandates) {
    ASSERT_TRUE(m.revocation.has_value());
    EXPECT_EQ(m.revocation->reason, core::RevocationReason::task_cancelled);
    EXPECT_EQ(m.revocation->by, "bob");
  }
  EXPECT_EQ(use(a.token).decided_by, "revocation");
  EXPECT_EQ(use(b.token).decided_by, "revocation");
  expect_refused([&] { broker->cancel(as("alice"), task, "again"); }, "cancelled");
  // The initiator may cancel too.
  const std::string other = approved_task(scope());
  issued(other);
  EXPECT_EQ(broker->cancel(as("alice"), other, "not needed").revoked_mandates.size(), 1u);
}

TEST_F(ApprovalBounds, AMandateIsForTheResourceServersItNames) {
  TaskRequest request{"Deploy payments", std::string("CHG-1"), kWorkload, scope(), std::chrono::minutes(30),
                      {"https://payments.example", "https://ledger.example"}};
  const std::string task = broker->request_task(as("alice"), request).task_id;
  broker->approve(as("bob"), task, "ok");
  broker->approve(as("carol"), task, "ok");
  expect_refused([&] { broker->issue(as(kWorkload, CallerKind::workload), task, std::nullopt, {"https://evil.example"}); },
                 "not a resource server");
  const auto m = broker->issue(as(kWorkload, CallerKind::workload), task, std::nullopt, {"https://payments.example"});
  EXPECT_EQ(token::decode_compact(m.token)->payload["aud"], "https://payments.example");
  const auto decide = [&](std::optional<std::string> audience, std::optional<Caller> asked_by = std::nullopt) {
    DecisionRequest d{m.token, prove(m.token), "deploy", "prod/payments", "{}", std::nullopt, std::nullopt, audience};
    return broker->authorize(d, asked_by);
  };
  EXPECT_EQ(decide(std::nullopt).decided_by, "audience") << "the home's default audience is not named";
  EXPECT_EQ(decide("https://ledger.example").decided_by, "audience");
  EXPECT_EQ(decide(std::nullopt, as("https://ledger.example", CallerKind::workload)).decided_by, "audience")
      << "a resource server asking is the audience by default";
  EXPECT_TRUE(decide(std::nullopt, as("https://payments.example", CallerKind::workload)).allow);
  EXPECT_TRUE(decide("https://payments.example").allow);
  // A child is for no resource server its parent is not for.
  Broker::Attenuation a;
  a.parent_token = m.token;
  a.parent_proof = prove(m.token, "mandate:attenuate", kWorkload);
  a.scope = scope();
  a.ttl = std::chrono::minutes(1);
  a.audience = {"https://ledger.example"};
  expect_refused([&] { broker->attenuate(a); }, "not a resource server");
}

TEST_F(ApprovalBounds, AnHttpRequestIsProvenByAStandardDpopProof) {
  const auto m = issued(approved_task(scope()));
  const auto decide = [&](const std::string& proof, const HttpRequest& http) {
    DecisionRequest d{m.token, proof, "deploy", "prod/payments", "{}", std::nullopt, std::nullopt, std::nullopt, http};
    return broker->authorize(d);
  };
  const HttpRequest post{"POST", "https://payments.example/v1/deploy"};
  const auto dpop = [&](const std::string& htm, const std::string& htu) {
    return token::make_proof(executor_key, m.token, htm, htu, clock_now);
  };
  EXPECT_EQ(decide(dpop("GET", post.uri), post).decided_by, "proof");
  EXPECT_EQ(decide(dpop("POST", "https://payments.example/v1/other"), post).decided_by, "proof");
  EXPECT_EQ(decide(prove(m.token), post).decided_by, "proof") << "an action-profile proof is not a proof of the request";
  const auto allowed = decide(dpop("POST", "https://payments.example/v1/deploy"), {"POST", "https://payments.example/v1/deploy?x=1"});
  EXPECT_TRUE(allowed.allow) << allowed.reasons.front();
  EXPECT_EQ(entry(allowed.ledger_index)["data"]["http_request"]["method"], "POST");
  try {
    decide(dpop("POST", post.uri), {"POST", "not a uri"});
    ADD_FAILURE() << "a malformed request URI was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  }
}

}  // namespace
}  // namespace mandate::broker
