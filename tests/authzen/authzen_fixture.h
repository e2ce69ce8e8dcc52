#pragma once
// A broker (tests/broker's fixture: alice, bob, carol, a deployer workload)
// with the AuthZEN service in front of it, asked by the deployer workload
// acting as a resource server.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "authzen/service.h"
#include "broker/broker_fixture.h"

namespace mandate::authzen {

// What the server answers for a service call: the outcome with 200, or the
// error's kind as its status (core/error.h's table) and {"error": why}.
struct Answer {
  int status = 200;
  nlohmann::json body;
};

class AuthzenTest : public broker::BrokerTest {
 protected:
  void SetUp() override;

  // Loads an entities JSON array (Cedar entity format) as the operator.
  void load_entities(const nlohmann::json& entities);
  // The ledger entry at `index`, parsed.
  nlohmann::json entry(std::uint64_t index);
  std::uint64_t ledger_size() { return ledger->size(); }

  using Endpoint = nlohmann::json (Service::*)(const CallContext&, std::string_view);
  Answer ask(Endpoint endpoint, const CallContext& as, std::string_view body);
  Answer evaluation(const CallContext& as, std::string_view body) { return ask(&Service::evaluation, as, body); }
  Answer evaluations(const CallContext& as, std::string_view body) { return ask(&Service::evaluations, as, body); }
  Answer search_subject(const CallContext& as, std::string_view body) { return ask(&Service::search_subject, as, body); }
  Answer search_resource(const CallContext& as, std::string_view body) { return ask(&Service::search_resource, as, body); }
  Answer search_action(const CallContext& as, std::string_view body) { return ask(&Service::search_action, as, body); }
  Answer evaluate(const nlohmann::json& request) { return evaluation(call, request.dump()); }
  Answer evaluate_all(const nlohmann::json& request) { return evaluations(call, request.dump()); }

  CallContext call{{broker::kWorkload, broker::CallerKind::workload, "spiffe-svid"}, std::nullopt, std::nullopt};
  std::unique_ptr<Service> service;
};

// {"type": t, "id": i}
nlohmann::json entity(const std::string& type, const std::string& id);

}  // namespace mandate::authzen
