// What the console's pages ask the API for, through Application::handle:
// the tasks waiting for the caller's decision (the broker's own rule of who
// may approve, never a second copy), tasks filtered, recorded decisions
// searched, findings over imported logs, the ledger's status.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "server_app.h"
#include "support/process.h"

namespace mandate::server {
namespace {

using mandate::testing::kDeployer;
using mandate::testing::kResourceServer;

class AuditApi : public ServerApp {
 protected:
  void SetUp() override {
    ServerApp::SetUp();
    register_everyone();
    const auto admin = human("admin");
    for (const auto& [id, group] : {std::pair{"dave", "sre"}, {"erin", "dev"}}) {
      ASSERT_EQ(call("POST", "/v1/actors", admin, nlohmann::json{{"id", id}, {"kind", "human"}, {"groups", {group}}}.dump()).status, 201);
    }
  }

  // A task requested by `who`: a deploy (the prod rule, two from sre) or,
  // with another detail type, under the default rule (one from anyone).
  std::string request(const std::string& who, const std::string& type = "deploy",
                      const std::string& resource = "prod/payments", const std::string& ref = "CHG 42/a") {
    const nlohmann::json body = {{"intent", "Deploy payments 2.6"},
                                 {"ref", ref},
                                 {"executor", kDeployer},
                                 {"duration", "30m"},
                                 {"scope", {{{"type", type}, {"actions", {type}}, {"resources", {resource}}}}}};
    const auto r = call("POST", "/v1/tasks", human(who), body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return json(r)["task"];
  }

  std::set<std::string> ids(const Response& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> out;
    for (const auto& t : json(r)) out.insert(t["id"]);
    return out;
  }
  std::set<std::string> waiting_for(const std::string& who) { return ids(call("GET", "/v1/tasks?waiting_for=me", human(who))); }
  std::set<std::string> tasks(const std::string& query) { return ids(call("GET", "/v1/tasks?" + query, human("carol"))); }
  void expect_400(const std::string& target, const std::string& fragment) {
    const auto r = call("GET", target, human("carol"));
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_NE(json(r)["error"].get<std::string>().find(fragment), std::string::npos) << target << ": " << r.body;
  }
};

TEST_F(AuditApi, WaitingForMeListsWhatTheCallerMayDecideWithItsProgress) {
  const std::string task = request("alice");
  EXPECT_EQ(waiting_for("alice"), std::set<std::string>{}) << "never one's own task";
  EXPECT_EQ(waiting_for("erin"), std::set<std::string>{}) << "not in the rule's approver group";
  EXPECT_EQ(waiting_for("bob"), std::set<std::string>{task});
  EXPECT_EQ(ids(call("GET", "/v1/tasks?waiting_for=me", workload(kDeployer))), std::set<std::string>{})
      << "the executor, and no workload, decides";

  const auto r = call("GET", "/v1/tasks?waiting_for=me", human("bob"));
  const auto item = json(r).at(0);
  EXPECT_EQ(item["intent"], "Deploy payments 2.6");
  EXPECT_EQ(item["ref"], "CHG 42/a");
  EXPECT_EQ(item["initiator"], "alice");
  EXPECT_EQ(item["executor"], nlohmann::json({{"id", kDeployer}, {"kind", "workload"}, {"owner", "alice"}}));
  EXPECT_EQ(item["scope"][0]["type"], "deploy");
  EXPECT_EQ(item["scope_text"], nlohmann::json::array({"deploy: deploy on prod/payments"}));
  EXPECT_EQ(item["rules"], nlohmann::json::parse(
                               R"([{"id":"prod","status":"pending","approvals_have":0,"approvals_need":2,"groups":["sre"]}])"));
  EXPECT_EQ(item["duration"], "30m");
  EXPECT_TRUE(item["expires_at"].is_null()) << "a requested task's window opens when it is approved";
  EXPECT_TRUE(item["change_url"].is_null()) << "no [console] change_url_template";

  // bob approves: no longer waiting for him; carol sees "1 of 2 from sre".
  ASSERT_EQ(call("POST", "/v1/tasks/" + task + "/approvals", human("bob"), "{}").status, 200);
  EXPECT_EQ(waiting_for("bob"), std::set<std::string>{}) << "not twice";
  const auto carol = json(call("GET", "/v1/tasks?waiting_for=me", human("carol")));
  ASSERT_EQ(carol.size(), 1u);
  EXPECT_EQ(carol[0]["rules"][0]["approvals_have"], 1);
  EXPECT_EQ(carol[0]["rules"][0]["approvals_need"], 2);
  // Satisfied: approved, waiting for nobody.
  ASSERT_EQ(call("POST", "/v1/tasks/" + task + "/approvals", human("carol"), "{}").status, 200);
  EXPECT_EQ(waiting_for("dave"), std::set<std::string>{});
}

TEST_F(AuditApi, WaitingForMeFollowsEachRuleAndItsGroups) {
  const std::string by_bob = request("bob");          // prod: two from sre, bob excluded
  const std::string anyone = request("alice", "read");  // the default rule: one from any human
  EXPECT_EQ(waiting_for("bob"), std::set<std::string>{anyone});
  EXPECT_EQ(waiting_for("carol"), (std::set<std::string>{by_bob, anyone}));
  EXPECT_EQ(waiting_for("erin"), std::set<std::string>{anyone});
  EXPECT_EQ(waiting_for("alice"), std::set<std::string>{}) << "alice is in no sre group and asked for the other herself";
  // A denial ends the task for everyone.
  ASSERT_EQ(call("POST", "/v1/tasks/" + anyone + "/denials", human("erin"), R"({"reason":"not today"})").status, 200);
  EXPECT_EQ(waiting_for("carol"), std::set<std::string>{by_bob});
  // What the list offers is what approve() accepts, and what it leaves out is refused.
  EXPECT_EQ(call("POST", "/v1/tasks/" + by_bob + "/approvals", human("erin"), "{}").status, 400);
  EXPECT_EQ(call("POST", "/v1/tasks/" + by_bob + "/approvals", human("bob"), "{}").status, 400);
  EXPECT_EQ(call("POST", "/v1/tasks/" + by_bob + "/approvals", human("carol"), "{}").status, 200);
}

TEST_F(AuditApi, WaitingForTakesOnlyMe) {
  expect_400("/v1/tasks?waiting_for=bob", "waiting_for must be \"me\"");
  expect_400("/v1/tasks?waiting_for=me&state=requested", "takes no other filter");
}

TEST_F(AuditApi, TasksAreFilteredByPersonExecutorResourceStateAndTime) {
  const auto before = core::format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  const std::string mine = request("alice");
  const std::string bobs = request("bob", "deploy", "prod/ledger");
  const std::string read = request("erin", "read", "prod/payments");
  ASSERT_EQ(call("POST", "/v1/tasks/" + read + "/approvals", human("dave"), "{}").status, 200);
  const auto after = core::format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));

  EXPECT_EQ(ids(call("GET", "/v1/tasks?mine=true", human("alice"))), std::set<std::string>{mine});
  EXPECT_EQ(ids(call("GET", "/v1/tasks?mine=false", human("alice"))), (std::set<std::string>{mine, bobs, read}));
  EXPECT_EQ(tasks("initiator=bob"), std::set<std::string>{bobs});
  EXPECT_EQ(tasks("executor=" + std::string("spiffe%3A%2F%2Fexample.org%2Fci%2Fdeployer")), (std::set<std::string>{mine, bobs, read}));
  EXPECT_EQ(tasks("executor=nobody"), std::set<std::string>{});
  EXPECT_EQ(tasks("approver=dave"), std::set<std::string>{read});
  EXPECT_EQ(tasks("state=approved"), std::set<std::string>{read});
  EXPECT_EQ(tasks("state=requested,approved"), (std::set<std::string>{mine, bobs, read}));
  EXPECT_EQ(tasks("resource=prod%2Fpayments"), (std::set<std::string>{mine, read}));
  EXPECT_EQ(tasks("resource=prod%2Fpayments&state=requested&initiator=alice"), std::set<std::string>{mine});
  EXPECT_EQ(tasks("since=" + before + "&until=" + after), (std::set<std::string>{mine, bobs, read}));
  EXPECT_EQ(tasks("until=" + before), std::set<std::string>{});
  EXPECT_EQ(tasks("since=" + after), std::set<std::string>{});
}

TEST_F(AuditApi, BadTaskFiltersAre400NamingTheParameter) {
  expect_400("/v1/tasks?state=pending", "state: \"pending\" is not a task state");
  expect_400("/v1/tasks?state=requested,", "state");
  expect_400("/v1/tasks?since=yesterday", "since must be an RFC 3339 UTC time");
  expect_400("/v1/tasks?until=2026-01-01T00:00:00%2B01:00", "until");
  expect_400("/v1/tasks?mine=yes", "mine must be true or false");
  expect_400("/v1/tasks?colour=blue", "query parameter colour is not known here");
  expect_400("/v1/tasks?state=requested&state=approved", "names a parameter twice");
  expect_400("/v1/tasks?initiator=%ZZ", "malformed");
  const auto r = call("GET", "/v1/tasks?mine=true&initiator=bob", human("alice"));
  EXPECT_EQ(r.status, 400) << r.body;
}

class Decisions : public AuditApi {
 protected:
  void SetUp() override {
    AuditApi::SetUp();
    task = approved_task();
    auto r = call("POST", "/v1/tasks/" + task + "/mandates", workload(kDeployer), "{}");
    ASSERT_EQ(r.status, 201) << r.body;
    mandate = json(r)["token"];
    for (const auto& resource : {"prod/payments", "prod/ledger", "prod/payments"}) {
      r = call("POST", "/v1/decisions", workload(kResourceServer),
               nlohmann::json{{"token", mandate}, {"proof", prove(mandate, "deploy", resource)}, {"action", "deploy"},
                              {"resource", resource}}.dump());
      ASSERT_EQ(r.status, 200) << r.body;
      indices.push_back(json(r)["ledger_index"]);
    }
  }
  nlohmann::json found(const std::string& query) {
    const auto r = call("GET", "/v1/decisions" + query, human("carol"));
    EXPECT_EQ(r.status, 200) << r.body;
    return json(r);
  }
  std::string task, mandate;
  std::vector<std::uint64_t> indices;
};

TEST_F(Decisions, AreFoundNewestFirstByTaskExecutorResourceAndTime) {
  auto all = found("");
  ASSERT_EQ(all.size(), 3u) << all;
  EXPECT_EQ(all[0]["ledger_index"], indices[2]);
  EXPECT_EQ(all[2]["ledger_index"], indices[0]);
  const auto& first = all[2];
  EXPECT_EQ(first["decision"], "allow");
  EXPECT_EQ(first["decided_by"], "policy");
  EXPECT_EQ(first["action"], "deploy");
  EXPECT_EQ(first["resource"], "prod/payments");
  EXPECT_EQ(first["task"], task);
  EXPECT_EQ(first["executor"], kDeployer);
  EXPECT_EQ(first["presenter"]["id"], kDeployer);
  EXPECT_EQ(first["asked_by"]["id"], kResourceServer);
  EXPECT_EQ(all[1]["decision"], "deny");
  EXPECT_EQ(all[1]["decided_by"], "scope");
  EXPECT_EQ(all[0]["decision"], "allow");

  EXPECT_EQ(found("?task=" + task).size(), 3u);
  EXPECT_EQ(found("?task=t-nothing").size(), 0u);
  EXPECT_EQ(found("?resource=prod%2Fledger").size(), 1u);
  EXPECT_EQ(found("?executor=spiffe%3A%2F%2Fexample.org%2Fci%2Fdeployer").size(), 3u);
  EXPECT_EQ(found("?executor=spiffe%3A%2F%2Fexample.org%2Fci%2Fother").size(), 0u);
  EXPECT_EQ(found("?limit=1")[0]["ledger_index"], indices[2]);
  EXPECT_EQ(found("?task=" + task + "&limit=2").size(), 2u);
  EXPECT_EQ(found("?since=2999-01-01T00:00:00Z").size(), 0u);
  EXPECT_EQ(found("?until=2000-01-01T00:00:00Z").size(), 0u);
  EXPECT_EQ(found("?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z").size(), 3u);
}

TEST_F(Decisions, TheSearchIsForHumansAndRefusesBadParameters) {
  EXPECT_EQ(call("GET", "/v1/decisions", workload(kResourceServer)).status, 403);
  expect_400("/v1/decisions?limit=0", "limit must be an integer from 1 to 1000");
  expect_400("/v1/decisions?limit=many", "limit");
  expect_400("/v1/decisions?since=now", "since");
  expect_400("/v1/decisions?state=allow", "query parameter state is not known here");
}

TEST_F(AuditApi, FindingsOverTheImportedLogsWithTheirMappingAndEvents) {
  auto r = call("GET", "/v1/findings", human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["events"], 0);
  EXPECT_EQ(json(r)["findings"], nlohmann::json::array());
  // The operator imports a CloudTrail log into the home the server runs on.
  const auto ingest = mandate::testing::run(
      {MANDATE_BINARY, "--home", (tmp.path() / "home").string(), "ingest", "cloudtrail",
       std::string(MANDATE_SHARED_DIR) +
           "/samples/cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  r = call("GET", "/v1/findings", human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto analysis = json(r);
  EXPECT_EQ(analysis["events"], 3);
  const nlohmann::json* key = nullptr;
  for (const auto& f : analysis["findings"]) {
    if (f["rule"] == "nhi.human_credential" && f["subject"] == "arn:aws:iam::307578594326:user/christophe") key = &f;
  }
  ASSERT_NE(key, nullptr) << analysis.dump(1);
  EXPECT_FALSE((*key)["mappings"].empty());
  EXPECT_EQ((*key)["mappings"][0].size(), 2u);  // framework and item
  ASSERT_FALSE((*key)["events"].empty());
  EXPECT_EQ((*key)["events"].size(), (*key)["evidence"].size());
  EXPECT_EQ((*key)["events"][0]["id"], (*key)["evidence"][0]);
  EXPECT_EQ((*key)["events"][0]["source"], "cloudtrail");

  EXPECT_EQ(call("GET", "/v1/findings", workload(kResourceServer)).status, 403);
  expect_400("/v1/findings?since=last-week", "since");
  EXPECT_EQ(json(call("GET", "/v1/findings?since=2999-01-01T00:00:00Z", human("carol")))["events"], 0);
}

// What a stream sends within `timeout`, polled as the listener polls it.
std::string read_stream(BodyStream& stream, const std::string& until, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    const auto piece = stream.next();
    if (!piece) break;
    out += *piece;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return out;
}

TEST_F(AuditApi, EventsStreamEveryLedgerEntryAboutATaskAndResumeFromLastEventId) {
  auto r = call("GET", "/v1/events", human("erin"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.stream);
  const auto erins = r.stream;
  EXPECT_EQ(r.content_type, "text/event-stream");
  const std::string greeting = read_stream(*r.stream, "\n\n");
  EXPECT_EQ(greeting.rfind("retry: 3000\n", 0), 0u) << greeting;

  const std::string task = request("alice");
  const auto approved = json(call("POST", "/v1/tasks/" + task + "/approvals", human("bob"), "{}"))["ledger_index"].get<std::uint64_t>();
  const std::string seen = read_stream(*r.stream, "id: " + std::to_string(approved) + "\n");
  const std::string expected_approval = "event: task\nid: " + std::to_string(approved) +
                                        "\ndata: {\"kind\":\"task.approval\",\"ledger_index\":" + std::to_string(approved) +
                                        ",\"task\":\"" + task + "\"}\n\n";
  EXPECT_NE(seen.find(expected_approval), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"kind\":\"task.requested\""), std::string::npos) << seen;
  EXPECT_EQ(seen.find("actor.added"), std::string::npos) << "entries about no task are not task events";

  // A listener that reconnects says what it saw last and gets what followed.
  r = call("GET", "/v1/events", workload(kDeployer), "", "application/json",
           {{"last-event-id", std::to_string(approved - 1)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string resumed = read_stream(*r.stream, "id: " + std::to_string(approved) + "\n");
  EXPECT_NE(resumed.find(expected_approval), std::string::npos) << resumed;
  EXPECT_EQ(resumed.find("task.requested"), std::string::npos) << resumed;

  // Suspended, a listener stops hearing: its admission is asked again.
  ASSERT_EQ(call("POST", "/v1/actors/erin/suspend", human("admin"), R"({"reason":"left"})").status, 200);
  EXPECT_TRUE(ends_within(*erins, std::chrono::seconds(3))) << "erin's stream went on after her suspension";
  EXPECT_FALSE(ends_within(*r.stream, std::chrono::milliseconds(1500))) << "the deployer's stream goes on";
  EXPECT_EQ(call("GET", "/v1/events", human("erin")).status, 403);

  EXPECT_EQ(call("GET", "/v1/events", "", "", "application/json", {{"last-event-id", "x"}}).status, 401);
  r = call("GET", "/v1/events", human("carol"), "", "application/json", {{"last-event-id", "12x"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(json(r)["error"].get<std::string>().find("Last-Event-ID"), std::string::npos) << r.body;
  EXPECT_EQ(call("GET", "/v1/events?since=0", human("carol")).status, 400);
}

// With no stream open the feed reads nothing; the first stream after the
// silence makes it catch up.
TEST_F(AuditApi, AfterASilenceAResumingStreamHearsWhatItMissedAndANewOneStartsAtTheEnd) {
  const std::string earlier = request("alice");
  const auto approved = json(call("POST", "/v1/tasks/" + earlier + "/approvals", human("bob"), "{}"))["ledger_index"].get<std::uint64_t>();

  auto resumed = call("GET", "/v1/events", human("carol"), "", "application/json",
                      {{"last-event-id", std::to_string(approved - 1)}});
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  const std::string missed = read_stream(*resumed.stream, "id: " + std::to_string(approved) + "\n");
  EXPECT_NE(missed.find("\"kind\":\"task.approval\",\"ledger_index\":" + std::to_string(approved) + ",\"task\":\"" + earlier + "\""),
            std::string::npos)
      << missed;

  auto fresh = call("GET", "/v1/events", human("carol"));
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  const std::string later = request("alice");
  const std::string heard = read_stream(*fresh.stream, "\"task\":\"" + later + "\"");
  EXPECT_NE(heard.find("\"task\":\"" + later + "\""), std::string::npos) << heard;
  EXPECT_EQ(heard.find(earlier), std::string::npos) << "a new stream starts at the ledger's end: " << heard;
}

TEST_F(AuditApi, TheLedgerStatus) {
  auto r = call("GET", "/v1/ledger", human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto status = json(r);
  EXPECT_EQ(status["origin"], mandate::testing::kOrigin);
  EXPECT_EQ(status["size"], ledger_size());
  EXPECT_EQ(status["root_hash"].get<std::string>().size(), 44u);
  ASSERT_EQ(call("GET", "/v1/ledger/checkpoint", human("carol")).status, 200);
  status = json(call("GET", "/v1/ledger", workload(kResourceServer)));
  EXPECT_EQ(status["latest_checkpoint"]["size"], status["size"]);
  EXPECT_EQ(status["latest_checkpoint"]["note"].get<std::string>().rfind(std::string(mandate::testing::kOrigin) + "\n", 0), 0u);
  EXPECT_EQ(call("GET", "/v1/ledger", "").status, 401);
}

}  // namespace
}  // namespace mandate::server
