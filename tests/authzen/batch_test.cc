// Batch evaluations: top-level defaults, the three evaluation semantics,
// per-item errors in place.
#include <atomic>
#include <thread>
#include <vector>

#include "authzen_fixture.h"

namespace mandate::authzen {
namespace {

class BatchTest : public AuthzenTest {
 protected:
  void SetUp() override {
    AuthzenTest::SetUp();
    load_policies(R"(permit (principal == User::"ann", action == Action::"read", resource) unless { resource == Doc::"2" };)");
  }
  // ann reads documents 1, 2 and 3: 2 is denied.
  nlohmann::json three(const std::string& semantic) {
    nlohmann::json r = {{"subject", entity("User", "ann")}, {"action", {{"name", "read"}}}, {"evaluations", nlohmann::json::array()}};
    for (const char* id : {"1", "2", "3"}) {
      r["evaluations"].push_back({{"resource", entity("Doc", id)}});
    }
    if (!semantic.empty()) r["options"] = {{"evaluations_semantic", semantic}};
    return r;
  }
  static std::vector<bool> decisions(const Answer& a) {
    std::vector<bool> out;
    for (const auto& e : a.body.at("evaluations")) out.push_back(e.at("decision").get<bool>());
    return out;
  }
};

TEST_F(BatchTest, ExecuteAllIsTheDefault) {
  const std::uint64_t before = ledger_size();
  const Answer a = evaluate_all(three(""));
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(decisions(a), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(ledger_size(), before + 3);
  EXPECT_EQ(decisions(evaluate_all(three("execute_all"))), (std::vector<bool>{true, false, true}));
  EXPECT_FALSE(a.body.contains("decision"));
}

// A batch's decisions are one group of entries, one commit: consecutive
// indices in item order, even while other callers decide at the same time.
TEST_F(BatchTest, ABatchIsRecordedAsOneGroupInItemOrder) {
  nlohmann::json r = {{"subject", entity("User", "ann")}, {"action", {{"name", "read"}}}, {"evaluations", nlohmann::json::array()}};
  for (int i = 0; i < 60; ++i) r["evaluations"].push_back({{"resource", entity("Doc", std::to_string(i))}});
  std::atomic<bool> done{false};
  std::vector<std::jthread> others;
  for (int t = 0; t < 3; ++t) {
    others.emplace_back([&] {
      while (!done) evaluate({{"subject", entity("User", "ben")}, {"action", {{"name", "read"}}}, {"resource", entity("Doc", "x")}});
    });
  }
  struct StopOthers {  // before they are joined, even when an assertion returns early
    std::atomic<bool>& done;
    ~StopOthers() { done = true; }
  } stop_others{done};
  for (int round = 0; round < 5; ++round) {
    const Answer a = evaluate_all(r);
    ASSERT_EQ(a.status, 200) << a.body.dump();
    const auto first = a.body["evaluations"][0]["context"]["ledger_index"].get<std::uint64_t>();
    for (std::size_t i = 0; i < 60; ++i) {
      const auto& item = a.body["evaluations"][i];
      ASSERT_EQ(item["context"]["ledger_index"].get<std::uint64_t>(), first + i);
      const nlohmann::json recorded = entry(first + i);
      EXPECT_EQ(recorded["data"]["request"]["resource"]["id"], std::to_string(i));
      EXPECT_EQ(recorded["data"]["decision"], item["decision"] == true ? "allow" : "deny");
    }
  }
}

TEST_F(BatchTest, DenyOnFirstDenyStopsThere) {
  const std::uint64_t before = ledger_size();
  const Answer a = evaluate_all(three("deny_on_first_deny"));
  EXPECT_EQ(decisions(a), (std::vector<bool>{true, false}));
  EXPECT_EQ(a.body["evaluations"][1]["context"]["reason"], "deny_on_first_deny");
  EXPECT_EQ(ledger_size(), before + 2);  // the third was never decided
}

TEST_F(BatchTest, PermitOnFirstPermitStopsThere) {
  auto r = three("permit_on_first_permit");
  std::swap(r["evaluations"][0], r["evaluations"][1]);  // 2, 1, 3
  EXPECT_EQ(decisions(evaluate_all(r)), (std::vector<bool>{false, true}));
}

TEST_F(BatchTest, ItemsOverrideDefaultsAndDefaultsFillTheRest) {
  nlohmann::json r = three("");
  r["evaluations"][0]["subject"] = entity("User", "ben");       // ben may read nothing
  r["evaluations"][2]["action"] = {{"name", "write"}};          // nobody may write
  r["context"] = {{"purpose", "audit"}};
  EXPECT_EQ(decisions(evaluate_all(r)), (std::vector<bool>{false, false, false}));
}

TEST_F(BatchTest, ItemErrorsAreAnsweredInPlace) {
  nlohmann::json r = three("");
  r["evaluations"][0]["resource"] = {{"type", "Doc"}};  // no id
  r["evaluations"][1] = "not an object";
  const Answer a = evaluate_all(r);
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(a.body["evaluations"].size(), 3u);
  EXPECT_EQ(a.body["evaluations"][0]["decision"], false);
  EXPECT_EQ(a.body["evaluations"][0]["context"]["error"]["status"], 400);
  EXPECT_EQ(a.body["evaluations"][0]["context"]["error"]["message"], "resource.id: missing");
  EXPECT_EQ(a.body["evaluations"][1]["context"]["error"]["message"], "evaluations[1]: expected an object");
  EXPECT_EQ(a.body["evaluations"][2]["decision"], true);
  // An error is a deny for deny_on_first_deny.
  r["options"] = {{"evaluations_semantic", "deny_on_first_deny"}};
  EXPECT_EQ(evaluate_all(r).body["evaluations"].size(), 1u);
}

TEST_F(BatchTest, WithoutEvaluationsItIsASingleEvaluation) {
  nlohmann::json r = {{"subject", entity("User", "ann")}, {"action", {{"name", "read"}}}, {"resource", entity("Doc", "1")},
                      {"evaluations", nlohmann::json::array()}};
  const Answer a = evaluate_all(r);
  EXPECT_EQ(a.body["decision"], true);
  r.erase("evaluations");
  EXPECT_EQ(evaluate_all(r).body["decision"], true);
}

// Each item is decided and recorded on its own, so a batch holds a handler
// for as long as all of its items take: beyond the limit it is refused
// whole, before anything is decided.
TEST_F(BatchTest, ABatchBeyondTheLimitIsRefusedWholeAndRecordsNothing) {
  service = std::make_unique<Service>(*broker, "https://mandate.test", 3);
  const std::uint64_t before = ledger_size();
  nlohmann::json r = three("");
  EXPECT_EQ(decisions(evaluate_all(r)), (std::vector<bool>{true, false, true}));  // at the limit: taken
  EXPECT_EQ(ledger_size(), before + 3);
  r["evaluations"].push_back({{"resource", entity("Doc", "4")}});
  const Answer a = evaluate_all(r);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"], "evaluations: 4 items; at most 3 are taken per request (authzen.max_batch_items): split the batch");
  EXPECT_EQ(ledger_size(), before + 3);
  EXPECT_EQ(Service::kDefaultMaxBatchItems, 1000u);
}

TEST_F(BatchTest, PayloadErrorsFailTheWholeBatch) {
  const std::uint64_t before = ledger_size();
  auto r = three("sometimes");
  EXPECT_EQ(evaluate_all(r).status, 400);
  r = three("");
  r["evaluations"] = {{"one", 1}};
  EXPECT_EQ(evaluate_all(r).status, 400);
  r = three("");
  r["subject"] = "ann";
  EXPECT_EQ(evaluate_all(r).body["error"], "subject: expected an object");
  r = three("");
  r["options"] = 1;
  EXPECT_EQ(evaluate_all(r).status, 400);
  EXPECT_EQ(ledger_size(), before);
}

}  // namespace
}  // namespace mandate::authzen
