// The AuthZEN working group's interop scenarios (Todo application and API
// gateway): our Cedar policies and entities must give every published
// request its published decision. See interop/README.md for the sources.
#include <fstream>
#include <sstream>

#include "authzen_fixture.h"
#include "support/files.h"

namespace mandate::authzen {
namespace {

using mandate::testing::read_file;

// The tables predate AuthZEN 1.0's `properties`: they put extra attributes
// beside type and id. A 1.0 client sends them under `properties`.
nlohmann::json as_1_0(nlohmann::json element) {
  nlohmann::json properties = nlohmann::json::object();
  for (auto it = element.begin(); it != element.end();) {
    if (it.key() == "type" || it.key() == "id" || it.key() == "name") {
      ++it;
      continue;
    }
    properties[it.key()] = it.value();
    it = element.erase(it);
  }
  if (!properties.empty()) element["properties"] = properties;
  return element;
}

class InteropTest : public AuthzenTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(InteropTest, EveryPublishedRequestGetsItsPublishedDecision) {
  const std::string dir = std::string(MANDATE_INTEROP_DIR) + "/" + GetParam();
  load_policies(read_file(dir + "/policies.cedar"));
  broker->load_entities({"operator", broker::CallerKind::home_operator, "test"}, read_file(dir + "/entities.json"));
  const auto table = nlohmann::json::parse(read_file(dir + "/decisions.json"));
  ASSERT_FALSE(table.at("evaluation").empty());
  int compared = 0;
  nlohmann::json batch = {{"evaluations", nlohmann::json::array()}};
  std::vector<bool> expected;
  for (const auto& row : table.at("evaluation")) {
    nlohmann::json request;
    for (const char* key : {"subject", "action", "resource"}) request[key] = as_1_0(row.at("request").at(key));
    const Answer a = evaluate(request);
    ASSERT_EQ(a.status, 200) << request.dump() << " -> " << a.body.dump();
    EXPECT_EQ(a.body["decision"], row.at("expected")) << request.dump() << " -> " << a.body.dump();
    batch["evaluations"].push_back(request);
    expected.push_back(row.at("expected").get<bool>());
    ++compared;
  }
  EXPECT_EQ(static_cast<std::size_t>(compared), table.at("evaluation").size());
  // The same table as one batch gives the same decisions, in order.
  const Answer all = evaluate_all(batch);
  ASSERT_EQ(all.body["evaluations"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(all.body["evaluations"][i]["decision"], expected[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, InteropTest, ::testing::Values("todo", "gateway"));

}  // namespace
}  // namespace mandate::authzen
