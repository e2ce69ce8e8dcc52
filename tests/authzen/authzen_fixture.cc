#include "authzen_fixture.h"

#include "core/error.h"

namespace mandate::authzen {

void AuthzenTest::SetUp() {
  BrokerTest::SetUp();
  service = std::make_unique<Service>(*broker, "https://mandate.test/");
}

void AuthzenTest::load_entities(const nlohmann::json& entities) {
  broker->load_entities({"operator", broker::CallerKind::home_operator, "test"}, entities.dump());
}

Answer AuthzenTest::ask(Endpoint endpoint, const CallContext& as, std::string_view body) {
  try {
    return {200, (service.get()->*endpoint)(as, body)};
  } catch (const Error& e) {
    return {http_status(e.kind()), {{"error", e.what()}}};
  }
}

nlohmann::json AuthzenTest::entry(std::uint64_t index) { return nlohmann::json::parse(ledger->entry_bytes(index)); }

nlohmann::json entity(const std::string& type, const std::string& id) { return {{"type", type}, {"id", id}}; }

}  // namespace mandate::authzen
