#pragma once
// A broker (tests/broker's fixture: alice, bob, carol, a deployer workload)
// with the AuthZEN service in front of it, asked by the deployer workload
// acting as a resource server.
#include <string>

#include <nlohmann/json.hpp>

#include "authzen/service.h"
#include "broker/broker_fixture.h"

namespace mandate::authzen {

class AuthzenTest : public broker::BrokerTest {
 protected:
  void SetUp() override;

  // Loads an entities JSON array (Cedar entity format) as the operator.
  void load_entities(const nlohmann::json& entities);
  // The ledger entry at `index`, parsed.
  nlohmann::json entry(std::uint64_t index);
  std::uint64_t ledger_size() { return ledger->size(); }

  Answer evaluate(const nlohmann::json& request) { return service->evaluation(call, request.dump()); }
  Answer evaluate_all(const nlohmann::json& request) { return service->evaluations(call, request.dump()); }

  CallContext call{{broker::kWorkload, broker::CallerKind::workload, "spiffe-svid"}, std::nullopt, std::nullopt};
  std::unique_ptr<Service> service;
};

// {"type": t, "id": i}
nlohmann::json entity(const std::string& type, const std::string& id);

}  // namespace mandate::authzen
