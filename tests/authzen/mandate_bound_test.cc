// Mandate-bound requests: the subject carries the mandate and its proof,
// and the workflow's whole check sequence decides.
#include "authzen_fixture.h"

namespace mandate::authzen {
namespace {

class MandateBoundTest : public AuthzenTest {
 protected:
  void SetUp() override {
    AuthzenTest::SetUp();
    mandate = issued(approved_task(scope()));
  }
  nlohmann::json request(const std::string& proof, const std::string& action = "deploy",
                         const std::string& resource = "prod/payments") {
    return {{"subject", {{"type", "mandate"}, {"id", mandate.record.mandate.id}, {"properties", {{"token", mandate.token}, {"proof", proof}}}}},
            {"action", {{"name", action}}},
            {"resource", {{"type", "resource"}, {"id", resource}}},
            {"context", {{"change", "CHG-1"}}}};
  }
  // Neither credential may come back, in any answer.
  void expect_no_secrets(const Answer& a, const std::string& proof) {
    const std::string text = a.body.dump();
    EXPECT_EQ(text.find(mandate.token), std::string::npos);
    EXPECT_EQ(text.find(proof), std::string::npos);
  }
  broker::IssuedMandate mandate;
};

TEST_F(MandateBoundTest, AllowRunsTheChecksAndIsRecorded) {
  const std::string proof = prove(mandate.token);
  const Answer a = evaluate(request(proof));
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["decision"], true);
  EXPECT_EQ(a.body["context"]["decided_by"], "policy");
  EXPECT_EQ(a.body["context"]["mandate_id"], mandate.record.mandate.id);
  const auto e = entry(a.body["context"]["ledger_index"].get<std::uint64_t>());
  EXPECT_EQ(e["type"], "decision");
  EXPECT_EQ(e["data"]["decision"], "allow");
  EXPECT_EQ(e["data"]["asked_by"]["id"], broker::kWorkload);
  expect_no_secrets(a, proof);
}

// AuthZEN 1.0: an action's properties reach Cedar (as the action entity's
// attributes for this request) and the decision entry records them.
TEST_F(MandateBoundTest, ActionPropertiesReachCedarAndTheRecord) {
  load_policies(R"(permit (principal is Workload, action, resource) when { action has window && action.window == "night" };)");
  auto r = request(prove(mandate.token));
  r["action"]["properties"] = {{"window", "day"}};
  Answer a = evaluate(r);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["decision"], false);
  EXPECT_EQ(a.body["context"]["decided_by"], "policy");
  r = request(prove(mandate.token));
  r["action"]["properties"] = {{"window", "night"}};
  a = evaluate(r);
  EXPECT_EQ(a.body["decision"], true) << a.body.dump();
  const auto e = entry(a.body["context"]["ledger_index"].get<std::uint64_t>());
  EXPECT_EQ(e["data"]["action_properties"], nlohmann::json({{"window", "night"}}));
  // A property that is no Cedar value is a 400, recorded nowhere.
  const std::uint64_t before = ledger_size();
  r = request(prove(mandate.token));
  r["action"]["properties"] = {{"n", 1.5}};
  EXPECT_EQ(evaluate(r).status, 400);
  EXPECT_EQ(ledger_size(), before);
}

TEST_F(MandateBoundTest, AReplayedProofIsDeniedWithTheFailedCheck) {
  const std::string proof = prove(mandate.token);
  ASSERT_EQ(evaluate(request(proof)).body["decision"], true);
  const Answer again = evaluate(request(proof));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body["decision"], false);
  EXPECT_EQ(again.body["context"]["decided_by"], "proof");
  expect_no_secrets(again, proof);
}

TEST_F(MandateBoundTest, OutsideTheScopeIsDenied) {
  const std::string proof = prove(mandate.token, "deploy", "prod/ledger");
  const Answer a = evaluate(request(proof, "deploy", "prod/ledger"));
  EXPECT_EQ(a.body["decision"], false);
  EXPECT_EQ(a.body["context"]["decided_by"], "scope");
}

TEST_F(MandateBoundTest, WorksInsideABatch) {
  const nlohmann::json batch = {{"evaluations", {request(prove(mandate.token)), request("not-a-proof")}}};
  const Answer a = evaluate_all(batch);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["evaluations"][0]["decision"], true);
  EXPECT_EQ(a.body["evaluations"][1]["decision"], false);
  expect_no_secrets(a, "not-a-proof");
}

TEST_F(MandateBoundTest, MalformedMandateRequestsAre400sWithoutTheCredentials) {
  const std::uint64_t before = ledger_size();
  const std::string proof = prove(mandate.token);
  auto r = request(proof);
  r["subject"]["properties"].erase("proof");
  Answer a = evaluate(r);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"], "subject.properties.proof: missing");
  r = request(proof);
  r["subject"]["id"] = "some-other-jti";
  a = evaluate(r);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"], "subject.id: is not the jti of the presented mandate");
  expect_no_secrets(a, proof);
  r = request(proof);
  r["subject"]["properties"]["token"] = "garbage";
  EXPECT_EQ(evaluate(r).status, 400);
  EXPECT_EQ(ledger_size(), before);
}

}  // namespace
}  // namespace mandate::authzen
