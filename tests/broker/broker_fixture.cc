#include "broker_fixture.h"

#include <future>
#include <utility>

#include "broker/records.h"
#include "broker/rules_file.h"
#include "store/sqlite/sqlite_store.h"
#include "token/proof.h"

namespace mandate::broker {

BrokerTest::BrokerTest() : BrokerTest(nullptr) {}

BrokerTest::BrokerTest(std::unique_ptr<store::Store> given)
    : store(given ? std::move(given) : store::create_sqlite_store((tmp / "m.db").string())),
      ledger(std::make_unique<ledger::Ledger>(*store, "test/broker")),
      keyring(std::make_unique<keys::SharedKeyring>(keys::Keyring::create(tmp / "keys").value())),
      clock_now(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())) {}

void BrokerTest::SetUp() {
  broker = std::make_unique<Broker>(*store, *ledger, *keyring, settings, [this] { return clock_now; });
  const Caller op{"operator", broker::CallerKind::home_operator, "test"};
  for (auto [id, group] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}}) {
    core::Actor a;
    a.id = id;
    a.groups = {group};
    broker->add_actor(op, a, std::nullopt);
  }
  core::Actor w;
  w.id = kWorkload;
  w.kind = core::ActorKind::workload;
  w.owner = "alice";
  broker->add_actor(op, w, executor_key.public_key().jwk_json());
  load_rules(R"([[rule]]
id = "prod-deploy"
detail_types = ["deploy"]
approvals = 2
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "10m"
max_uses = 3
)");
  load_policies(R"(permit (principal is Workload, action, resource);)");
}

core::Scope BrokerTest::scope(const std::string& action, const std::string& resource) {
  return {core::AuthorizationDetail{"deploy", {action}, {}, {resource}, ""}};
}

void BrokerTest::load_rules(const std::string& toml) {
  broker->load_rules({"operator", broker::CallerKind::home_operator, "test"}, parse_rules_file(toml, "rules.toml"), toml);
}

void BrokerTest::load_policies(const std::string& cedar) {
  broker->load_policies({"operator", broker::CallerKind::home_operator, "test"}, cedar, {"test.cedar"});
}

std::string BrokerTest::approved_task(const core::Scope& s, std::chrono::seconds duration) {
  TaskRequest request{"Deploy payments", std::string("CHG-1"), kWorkload, s, duration};
  const std::string id = broker->request_task(as("alice"), request).task_id;
  broker->approve(as("bob"), id, "ok");
  EXPECT_EQ(broker->approve(as("carol"), id, "ok").task_state, "approved");
  return id;
}

IssuedMandate BrokerTest::issued(const std::string& task_id) { return broker->issue(as(kWorkload, CallerKind::workload), task_id); }

std::string BrokerTest::prove(const std::string& token, const std::string& action, const std::string& resource,
                              const token::PrivateKey* key) {
  return token::make_proof(key ? *key : executor_key, token, action, resource, clock_now);
}

std::optional<DecisionResult> BrokerTest::decide_without_waiting(Broker& on, const DecisionRequest& r) {
  std::promise<std::pair<std::optional<DecisionResult>, std::exception_ptr>> told;
  auto answer = told.get_future();
  const auto done = [&](const DecisionResult* result, std::exception_ptr error) {
    told.set_value({result ? std::optional<DecisionResult>(*result) : std::nullopt, error});
  };
  bool taken = false;
  for (int attempt = 0; attempt < 20 && !taken; ++attempt) {
    on.policy_snapshot();
    taken = on.authorize_without_waiting(r, std::nullopt, done);
  }
  if (!taken) return std::nullopt;
  auto [result, error] = answer.get();
  if (error) std::rethrow_exception(error);
  return result;
}

DecisionResult BrokerTest::use(const std::string& token, const std::string& action, const std::string& resource) {
  return broker->authorize({token, prove(token, action, resource), action, resource, "{}", std::nullopt, std::nullopt});
}

}  // namespace mandate::broker
