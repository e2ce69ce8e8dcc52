#pragma once
// A broker over a real SQLite store, ledger and keyring in a temp dir, with
// a clock the test moves, and the actors most tests need: alice (dev)
// initiates, bob and carol (sre) approve, a deployer workload owned by alice.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "broker/broker.h"
#include "core/error.h"
#include "keys/shared_keyring.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "support/process.h"
#include "token/private_key.h"

namespace mandate::broker {

inline constexpr const char* kWorkload = "spiffe://example.org/ci/deployer";

class BrokerTest : public ::testing::Test {
 protected:
  BrokerTest();
  // Over the given store instead of a SQLite one in the temp dir.
  explicit BrokerTest(std::unique_ptr<store::Store> given);
  void SetUp() override;

  Caller as(const std::string& id, CallerKind kind = CallerKind::human) { return {id, kind, "test"}; }
  core::Scope scope(const std::string& action = "deploy", const std::string& resource = "prod/payments");
  void load_rules(const std::string& toml);
  void load_policies(const std::string& cedar);
  std::string approved_task(const core::Scope& s, std::chrono::seconds duration = std::chrono::minutes(30));
  IssuedMandate issued(const std::string& task_id);
  std::string prove(const std::string& token, const std::string& action = "deploy",
                    const std::string& resource = "prod/payments", const token::PrivateKey* key = nullptr);
  DecisionResult use(const std::string& token, const std::string& action = "deploy",
                     const std::string& resource = "prod/payments");
  // Decides on `on` without waiting and waits here for what `done` is
  // told; nullopt when the broker left the decision to authorize(). The
  // broker only decides on a policy set checked within the last 100 ms,
  // and a loaded machine can take longer than that between two
  // statements: the set is checked again (policy_snapshot) and the call
  // made again, a few times, before the answer counts as left to authorize.
  static std::optional<DecisionResult> decide_without_waiting(Broker& on, const DecisionRequest& r);

  mandate::testing::TempDir tmp;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<keys::SharedKeyring> keyring;
  core::Timestamp clock_now;
  Settings settings{"https://mandate.test", "https://mandate.test"};
  std::unique_ptr<Broker> broker;
  token::PrivateKey executor_key = token::PrivateKey::generate(token::Algorithm::EdDSA);
};

}  // namespace mandate::broker
