// Single evaluations on the general Cedar path: decisions, their records,
// request properties, discovery, who may ask, and malformed requests.
#include <future>

#include "authzen_fixture.h"
#include "encoding/json.h"

namespace mandate::authzen {
namespace {

class EvaluationTest : public AuthzenTest {
 protected:
  void SetUp() override {
    AuthzenTest::SetUp();
    load_policies(R"(
      permit (principal in Team::"readers", action == Action::"read", resource is Doc);
      permit (principal is User, action == Action::"edit", resource is Doc) when { resource.owner == principal.name };
      forbid (principal, action, resource is Doc) when { resource has locked && resource.locked };
    )");
    load_entities(nlohmann::json::parse(R"([
      {"uid": {"type": "Team", "id": "readers"}, "attrs": {}, "parents": []},
      {"uid": {"type": "User", "id": "ann"}, "attrs": {"name": "ann"}, "parents": [{"type": "Team", "id": "readers"}]},
      {"uid": {"type": "User", "id": "ben"}, "attrs": {"name": "ben"}, "parents": []},
      {"uid": {"type": "Doc", "id": "plan"}, "attrs": {"owner": "ben"}, "parents": []}
    ])"));
  }

  nlohmann::json request(const std::string& user, const std::string& action, const std::string& doc) {
    return {{"subject", entity("User", user)}, {"action", {{"name", action}}}, {"resource", entity("Doc", doc)}};
  }
};

TEST_F(EvaluationTest, AllowIsRecordedWithItsIndex) {
  call.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const Answer a = evaluate(request("ann", "read", "plan"));
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["decision"], true);
  const auto index = a.body["context"]["ledger_index"].get<std::uint64_t>();
  EXPECT_EQ(index + 1, ledger_size());
  EXPECT_EQ(a.body["context"]["reasons"], nlohmann::json::array({"policy0"}));
  const auto e = entry(index);
  EXPECT_EQ(e["type"], "evaluation");
  EXPECT_EQ(e["data"]["decision"], "allow");
  EXPECT_EQ(e["data"]["asked_by"]["id"], broker::kWorkload);
  EXPECT_EQ(e["data"]["asked_by"]["authenticated_by"], "spiffe-svid");
  EXPECT_EQ(e["data"]["request"]["principal"], entity("User", "ann"));
  EXPECT_EQ(e["data"]["policy_set"], a.body["context"]["policy_set"]);
  EXPECT_EQ(e["traceparent"], *call.traceparent);
}

// The record is written without a JSON tree: its bytes must still be the
// RFC 8785 form of the whole decision, properties and context included.
TEST_F(EvaluationTest, TheRecordIsTheCanonicalFormOfTheWholeDecision) {
  call.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto r = request("ann", "read", "plan");
  r["subject"]["properties"] = {{"\u00e9t\u00e9", "\"q\"\\\n"}, {"\U0001F600", 1}, {"\ue000", {"1.5", false, true}}, {"a", -7}};
  r["action"]["properties"] = {{"method", "GET"}, {"depth", {{"z", 9007199254740991}, {"b", {{"\u00ff", "\u00ff"}}}}}};
  r["resource"]["properties"] = nlohmann::json::object();
  r["context"] = {{"ip", "10.0.0.1"}, {"tags", {"x", "\u001f"}}, {"n", 12345678901234}};
  const Answer a = evaluate(r);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  const auto index = a.body["context"]["ledger_index"].get<std::uint64_t>();
  const std::string bytes = ledger->entry_bytes(index);
  EXPECT_EQ(bytes, *encoding::canonicalize(nlohmann::json::parse(bytes)));
  nlohmann::json principal = entity("User", "ann");
  principal["attributes"] = r["subject"]["properties"];
  nlohmann::json action = {{"type", "Action"}, {"id", "read"}, {"attributes", r["action"]["properties"]}};
  const nlohmann::json expected = {
      {"asked_by", {{"id", broker::kWorkload}, {"kind", "workload"}, {"authenticated_by", "spiffe-svid"}}},
      {"decision", a.body["decision"] == true ? "allow" : "deny"},
      {"policy_errors", a.body["context"].value("policy_errors", nlohmann::json::array())},
      {"policy_set", a.body["context"]["policy_set"]},
      {"reasons", a.body["context"]["reasons"]},
      {"request", {{"principal", principal}, {"action", action}, {"resource", entity("Doc", "plan")}, {"context", r["context"]}}}};
  EXPECT_EQ(entry(index)["data"], expected);
  EXPECT_EQ(entry(index)["traceparent"], *call.traceparent);
}

// The answer given without waiting is written without a tree: the same
// decision as evaluation() gives, in the bytes dumping it would give.
TEST_F(EvaluationTest, TheAnswerWithoutATreeIsTheTreesText) {
  for (const auto& [user, action] : {std::pair{"ann", "read"}, std::pair{"ben", "read"}, std::pair{"ben", "edit"},
                                     std::pair{"ann", "audit"}}) {
    // An erring policy for the last one: policy_errors in the answer.
    if (std::string(action) == "audit") load_policies(R"(permit (principal, action, resource) when { resource.nothing == 1 };)");
    const std::string body = request(user, action, "plan").dump();
    std::promise<Service::Answer> answered;
    service->evaluation_async(call, body, [&](Service::Answer a, std::exception_ptr error) {
      if (error) return answered.set_exception(error);
      answered.set_value(std::move(a));
    });
    auto future = answered.get_future();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const Service::Answer answer = future.get();
    const auto parsed = nlohmann::json::parse(answer.json);
    EXPECT_EQ(answer.json, parsed.dump()) << "not the bytes a dump gives";
    const Answer direct = evaluate(request(user, action, "plan"));
    nlohmann::json expected = direct.body;
    expected["context"]["ledger_index"] = parsed["context"]["ledger_index"];
    EXPECT_EQ(parsed, expected);
    EXPECT_EQ(answer.allowed, direct.body["decision"] == true);
    if (std::string(action) == "audit") {
      EXPECT_FALSE(parsed["context"]["policy_errors"].empty()) << answer.json;
    }
    EXPECT_EQ(entry(parsed["context"]["ledger_index"].get<std::uint64_t>())["type"], "evaluation");
  }
}

TEST_F(EvaluationTest, DenyIsA200AndRecordedToo) {
  const std::uint64_t before = ledger_size();
  const Answer a = evaluate(request("ben", "read", "plan"));
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["decision"], false);
  EXPECT_EQ(a.body["context"]["reasons"], nlohmann::json::array({"no policy permits it"}));
  EXPECT_EQ(ledger_size(), before + 1);
  EXPECT_EQ(entry(before)["data"]["decision"], "deny");
}

TEST_F(EvaluationTest, PropertiesOverrideStoredAttributesForThisRequestOnly) {
  auto r = request("ann", "edit", "plan");
  EXPECT_EQ(evaluate(r).body["decision"], false);  // plan is ben's
  r["resource"]["properties"] = {{"owner", "ann"}};
  EXPECT_EQ(evaluate(r).body["decision"], true);
  r["resource"]["properties"] = {{"locked", true}, {"owner", "ann"}};
  const Answer forbidden = evaluate(r);
  EXPECT_EQ(forbidden.body["decision"], false);
  EXPECT_EQ(forbidden.body["context"]["reasons"], nlohmann::json::array({"policy2"}));
  EXPECT_EQ(evaluate(request("ann", "edit", "plan")).body["decision"], false);  // the store is unchanged
  // A subject's properties count as well, and parents stay the stored ones.
  auto renamed = request("ann", "edit", "plan");
  renamed["subject"]["properties"] = {{"name", "ben"}};
  EXPECT_EQ(evaluate(renamed).body["decision"], true);
  EXPECT_EQ(evaluate(request("ann", "read", "plan")).body["decision"], true);
}

// An action's properties are the action's attributes for the request (as
// a subject's and a resource's are theirs), and the ledger entry records
// them with the rest of the request.
TEST_F(EvaluationTest, ActionPropertiesReachCedarAndTheRecord) {
  load_policies(R"(
    permit (principal, action == Action::"read", resource is Doc) when { action has method && action.method == "GET" };
  )");
  auto r = request("ben", "read", "plan");
  const Answer without = evaluate(r);
  EXPECT_EQ(without.body["decision"], false) << without.body.dump();
  EXPECT_FALSE(entry(without.body["context"]["ledger_index"].get<std::uint64_t>())["data"]["request"]["action"].contains(
      "attributes"));
  r["action"]["properties"] = {{"method", "GET"}};
  const Answer with = evaluate(r);
  EXPECT_EQ(with.body["decision"], true) << with.body.dump();
  const auto recorded = entry(with.body["context"]["ledger_index"].get<std::uint64_t>())["data"]["request"]["action"];
  EXPECT_EQ(recorded, nlohmann::json({{"type", "Action"}, {"id", "read"}, {"attributes", {{"method", "GET"}}}}));
  r["action"]["properties"] = {{"method", "DELETE"}};
  EXPECT_EQ(evaluate(r).body["decision"], false);
  // They do not collide with the caller's context, which stays the caller's.
  r["context"] = {{"method", "GET"}};
  EXPECT_EQ(evaluate(r).body["decision"], false);
  // Malformed properties are refused like a subject's.
  r["action"]["properties"] = "GET";
  const Answer bad = evaluate(r);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"], "action.properties: expected an object");
}

TEST_F(EvaluationTest, PropertiesStandInForEntitiesThatAreNotStored) {
  auto r = request("ann", "edit", "draft-9");
  EXPECT_EQ(evaluate(r).body["decision"], false);  // no owner attribute: the policy errors, nothing permits
  r["resource"]["properties"] = {{"owner", "ann"}};
  EXPECT_EQ(evaluate(r).body["decision"], true);
}

TEST_F(EvaluationTest, NamespacedTypesAndActionsAreWrittenAsCedarWritesThem) {
  load_policies(R"(permit (principal is Todo::User, action == Todo::Action::"view", resource is Todo::Item);)");
  const nlohmann::json r = {{"subject", entity("Todo::User", "ann")},
                            {"action", {{"name", "Todo::Action::\"view\""}}},
                            {"resource", entity("Todo::Item", "1")}};
  EXPECT_EQ(evaluate(r).body["decision"], true);
}

TEST_F(EvaluationTest, ContextIsTheCedarContext) {
  load_policies(R"(permit (principal, action, resource) when { context.ip.isInRange(ip("10.0.0.0/8")) };)");
  auto r = request("ben", "read", "plan");
  r["context"] = {{"ip", {{"__extn", {{"fn", "ip"}, {"arg", "10.1.2.3"}}}}}};
  EXPECT_EQ(evaluate(r).body["decision"], true);
  r["context"]["ip"]["__extn"]["arg"] = "192.168.0.1";
  EXPECT_EQ(evaluate(r).body["decision"], false);
}

TEST_F(EvaluationTest, MalformedRequestsAre400sNamingTheFieldAndRecordNothing) {
  const std::uint64_t before = ledger_size();
  const auto expect_400 = [&](const std::string& body, const std::string& mention) {
    const Answer a = evaluation(call, body);
    EXPECT_EQ(a.status, 400) << body;
    EXPECT_NE(a.body.value("error", "").find(mention), std::string::npos) << body << " -> " << a.body.dump();
  };
  expect_400("{not json", "body");
  expect_400("[1, 2]", "body: expected a JSON object");
  expect_400(R"({"subject": {"type": "User", "id": "a"}, "subject": {"type": "User", "id": "b"}})", "body");
  expect_400(R"({"action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan"}})", "subject: missing");
  expect_400(R"({"subject": {"type": 7, "id": "ann"}, "action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan"}})",
             "subject.type: expected a string");
  expect_400(R"({"subject": {"type": "User", "id": "ann"}, "action": {}, "resource": {"type": "Doc", "id": "plan"}})",
             "action.name: missing");
  expect_400(R"({"subject": {"type": "User", "id": "ann"}, "action": {"name": "read"}, "resource": {"type": "Doc"}})",
             "resource.id: missing");
  expect_400(R"({"subject": {"type": "User", "id": "ann"}, "action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan"}, "context": []})",
             "context: expected an object");
  expect_400(R"({"subject": {"type": "User", "id": "ann", "properties": 3}, "action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan"}})",
             "subject.properties: expected an object");
  expect_400(R"({"subject": {"type": "User", "id": "ann"}, "action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan", "properties": {"size": 1.5}}})",
             "resource.properties");
  EXPECT_EQ(ledger_size(), before);
}

// The rule of who may ask (broker::may_ask_decisions); that the caller is a
// registered, active actor is the server's admission (tests/server).
TEST_F(EvaluationTest, OnlyTheOperatorAndWorkloadsMayAsk) {
  const auto body = request("ann", "read", "plan").dump();
  EXPECT_EQ(evaluation({as("alice"), {}, {}}, body).status, 403);
  EXPECT_EQ(evaluation({{"some-agent", broker::CallerKind::agent, "test"}, {}, {}}, body).status, 403);
  EXPECT_EQ(evaluations({as("alice"), {}, {}}, body).status, 403);
  EXPECT_EQ(search_action({as("alice"), {}, {}}, body).status, 403);
  EXPECT_EQ(evaluation({{"operator", broker::CallerKind::home_operator, "local-operator"}, {}, {}}, body).status, 200);
}

TEST_F(EvaluationTest, DiscoveryNamesEveryEndpoint) {
  const auto c = service->configuration();
  EXPECT_EQ(c["policy_decision_point"], "https://mandate.test");
  EXPECT_EQ(c["access_evaluation_endpoint"], "https://mandate.test/access/v1/evaluation");
  EXPECT_EQ(c["access_evaluations_endpoint"], "https://mandate.test/access/v1/evaluations");
  EXPECT_EQ(c["search_subject_endpoint"], "https://mandate.test/access/v1/search/subject");
  EXPECT_EQ(c["search_resource_endpoint"], "https://mandate.test/access/v1/search/resource");
  EXPECT_EQ(c["search_action_endpoint"], "https://mandate.test/access/v1/search/action");
  // AuthZEN 1.0 metadata: capabilities are URNs (no IANA-registered one
  // exists for 1.0 yet, so mandate names its own).
  ASSERT_TRUE(c["capabilities"].is_array());
  EXPECT_EQ(c["capabilities"], nlohmann::json({"urn:mandate:authzen:capability:mandate-subject",
                                               "urn:mandate:authzen:capability:decision-ledger"}));
}

}  // namespace
}  // namespace mandate::authzen
