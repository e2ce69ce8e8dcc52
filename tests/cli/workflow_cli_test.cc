// The accountability workflow end to end through the real binary: request,
// two approvals, issue, an allowed action, an out-of-scope action, a replay,
// completion, the same token denied, trace in three formats, and evidence
// that verifies offline and fails when tampered with.
#include "cli/cli_fixture.h"

#include <filesystem>
#include <sstream>

namespace mandate::testing {
namespace {

constexpr const char* kWorkload = "spiffe://example.org/ci/deployer";
constexpr const char* kScope = R"([{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}])";

class WorkflowCliTest : public CliTest {
 protected:
  std::string key_file = (tmp / "deployer.pem").string();

  void SetUp() override {
    init();
    for (auto [id, groups] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}, {"dave", "dev"}}) {
      ASSERT_EQ(mandate({"actor", "add", "--kind", "human", "--id", id, "--groups", groups}).exit_code, 0);
    }
    const auto pub = mandate_json({"actor", "keygen", "--out", key_file});
    write_file(tmp / "deployer.jwk", pub["jwk"].dump());
    const auto added = mandate({"actor", "add", "--kind", "workload", "--id", kWorkload, "--owner", "alice", "--key",
                                "@" + (tmp / "deployer.jwk").string(), "--groups", "deployers"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    write_file(tmp / "rules.toml", R"([[rule]]
id = "prod-deploy"
detail_types = ["deploy"]
approvals = 2
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "10m"
max_uses = 5
break_glass = true
review_within = "4h"
)");
    ASSERT_EQ(mandate({"rules", "load", (tmp / "rules.toml").string()}).exit_code, 0);
    write_file(tmp / "policies.cedar", R"(@id("deploys-by-registered-workloads")
permit (principal is Workload, action == Action::"deploy", resource)
when { principal in Group::"deployers" && context.mandate.approvers.containsAll(["bob", "carol"]) };

@id("change-freeze")
forbid (principal, action, resource) when { context has freeze && context.freeze };
)");
    const auto loaded = mandate({"policy", "load", (tmp / "policies.cedar").string()});
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  }

  std::string request_task(const std::string& scope = kScope, const std::string& duration = "30m") {
    const auto r = mandate({"task", "request", "--as", "alice", "--intent", "Deploy payments v2.3.1", "--ref", "CHG-1042",
                            "--executor", kWorkload, "--scope", scope, "--duration", duration});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["task"];
  }

  std::string prove(const std::string& token, const std::string& action, const std::string& resource) {
    const auto r = mandate({"token", "prove", "--key", key_file, "--token", token, "--action", action, "--resource", resource});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string proof = r.out;
    while (!proof.empty() && proof.back() == '\n') proof.pop_back();
    return proof;
  }

  RunResult authorize(const std::string& token, const std::string& proof, const std::string& action,
                      const std::string& resource, const std::string& context = "{}") {
    return mandate({"authorize", "--token", token, "--proof", proof, "--action", action, "--resource", resource,
                    "--context", context});
  }
};

TEST_F(WorkflowCliTest, FromRequestToEvidence) {
  const std::string task = request_task();
  // Separation of duties: the initiator, the executor and a workload cannot approve.
  EXPECT_EQ(mandate({"approve", task, "--as", "alice"}).exit_code, 2);
  EXPECT_EQ(mandate({"approve", task, "--as", kWorkload}).exit_code, 2);
  EXPECT_EQ(mandate({"approve", task, "--as", "dave"}).exit_code, 2);  // not in an approver group
  // No mandate before the rule is satisfied.
  EXPECT_EQ(mandate({"token", "issue", task}).exit_code, 2);
  EXPECT_EQ(mandate_json({"approve", task, "--as", "bob", "--comment", "diff reviewed"})["rule_status"], "pending");
  EXPECT_EQ(mandate({"approve", task, "--as", "bob"}).exit_code, 2);  // one approval per person
  EXPECT_EQ(mandate_json({"approve", task, "--as", "carol"})["task_state"], "approved");

  const auto issued = mandate_json({"token", "issue", task});
  const std::string token = issued["token"];
  EXPECT_EQ(issued["max_uses"], 5);

  const auto allowed = authorize(token, prove(token, "deploy", "prod/payments"), "deploy", "prod/payments");
  ASSERT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  const auto allow = nlohmann::json::parse(allowed.out);
  EXPECT_EQ(allow["decision"], "allow");
  EXPECT_EQ(allow["reasons"], nlohmann::json::array({"policy0"}));

  const auto outside = authorize(token, prove(token, "deploy", "prod/ledger"), "deploy", "prod/ledger");
  EXPECT_EQ(outside.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(outside.out)["decided_by"], "scope");

  const std::string proof = prove(token, "deploy", "prod/payments");
  const auto frozen = authorize(token, proof, "deploy", "prod/payments", R"({"freeze": true})");
  EXPECT_EQ(frozen.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(frozen.out)["decided_by"], "policy");
  EXPECT_EQ(nlohmann::json::parse(frozen.out)["reasons"], nlohmann::json::array({"policy1"}));
  const auto replayed = authorize(token, proof, "deploy", "prod/payments");
  EXPECT_EQ(replayed.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(replayed.out)["decided_by"], "proof");

  const auto completed = mandate({"task", "complete", task, "--outcome", "success", "--result-digest", "sha256:9f2c"});
  EXPECT_EQ(completed.exit_code, 0) << completed.err;
  const auto after = authorize(token, prove(token, "deploy", "prod/payments"), "deploy", "prod/payments");
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(after.out)["decided_by"], "revocation");

  const auto text = mandate({"trace", task});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Deploy payments v2.3.1"), std::string::npos);
  EXPECT_NE(text.out.find("attribution proven: initiation+approval+execution"), std::string::npos);
  const auto json = mandate_json({"trace", task, "--format", "json"});
  ASSERT_FALSE(json["attribution"].empty());
  EXPECT_EQ(json["attribution"][0]["depth"], "initiation+approval+execution");
  EXPECT_EQ(json["attribution"][1]["depth"], "initiation+approval");  // denied: nothing executed
  const auto dot = mandate({"trace", allow["ledger_index"].dump(), "--format", "dot"});
  ASSERT_EQ(dot.exit_code, 0);
  EXPECT_EQ(dot.out.rfind("digraph mandate_trace {", 0), 0u);
  EXPECT_NE(dot.out.find("allow deploy"), std::string::npos);

  const auto bundle = mandate({"evidence", "export", task});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  EXPECT_EQ(bundle.out.find(token), std::string::npos) << "the token itself must never be recorded";
  write_file(tmp / "bundle.json", bundle.out);
  const auto verified = mandate({"evidence", "verify", (tmp / "bundle.json").string()});
  ASSERT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_TRUE(nlohmann::json::parse(verified.out)["valid"]);

  // Any byte changed anywhere in the bundle: it no longer verifies, or no longer parses.
  std::string tampered = bundle.out;
  const auto at = tampered.find("Deploy payments v2.3.1");
  ASSERT_NE(at, std::string::npos);
  tampered[at] = 'd';
  write_file(tmp / "tampered.json", tampered);
  const auto refused = mandate({"evidence", "verify", (tmp / "tampered.json").string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_FALSE(nlohmann::json::parse(refused.out)["valid"]);

  EXPECT_EQ(verify()["ok"], true);
}

// A task for named resource servers, a DPoP proof of an HTTP request, and a
// cancellation in flight, through the real binary.
TEST_F(WorkflowCliTest, AudiencesHttpProofsAndCancellingInFlight) {
  const auto requested = mandate({"task", "request", "--as", "alice", "--intent", "Deploy", "--executor", kWorkload,
                                  "--scope", kScope, "--duration", "30m", "--audience", "https://payments.example"});
  ASSERT_EQ(requested.exit_code, 0) << requested.err;
  const std::string task = nlohmann::json::parse(requested.out)["task"];
  ASSERT_EQ(mandate({"approve", task, "--as", "bob"}).exit_code, 0);
  ASSERT_EQ(mandate({"approve", task, "--as", "carol"}).exit_code, 0);
  const std::string token = mandate_json({"token", "issue", task})["token"];
  const auto http_proof = [&](const std::string& method) {
    const auto r = mandate({"token", "prove", "--key", key_file, "--token", token, "--http-method", method, "--http-uri",
                            "https://payments.example/v1/deploy"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  };
  const auto decide = [&](const std::string& proof, const std::string& method, const std::string& audience) {
    return mandate({"authorize", "--token", token, "--proof", proof, "--action", "deploy", "--resource", "prod/payments",
                    "--http-method", method, "--http-uri", "https://payments.example/v1/deploy?dry=1", "--audience", audience});
  };
  auto r = decide(http_proof("POST"), "POST", "https://ledger.example");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(r.out)["decided_by"], "audience") << r.out;
  r = decide(http_proof("POST"), "PUT", "https://payments.example");
  EXPECT_EQ(nlohmann::json::parse(r.out)["decided_by"], "proof") << r.out;
  r = decide(http_proof("POST"), "POST", "https://payments.example");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Neither or both of --http-method and --http-uri; not with --action.
  EXPECT_EQ(mandate({"token", "prove", "--key", key_file, "--token", token, "--http-method", "POST"}).exit_code, 2);
  EXPECT_NE(mandate({"token", "prove", "--key", key_file, "--token", token, "--action", "deploy", "--resource", "x",
                     "--http-method", "POST", "--http-uri", "https://x.example/"}).exit_code, 0);
  // Bob, an eligible approver, cancels the task in flight: its mandate ends at once.
  const auto cancelled = mandate_json({"task", "cancel", task, "--as", "bob", "--reason", "window closed"});
  EXPECT_EQ(cancelled["revoked_mandates"].size(), 1u);
  r = decide(http_proof("POST"), "POST", "https://payments.example");
  EXPECT_EQ(nlohmann::json::parse(r.out)["decided_by"], "revocation") << r.out;
}

TEST_F(WorkflowCliTest, BadInputIsRefusedAndWritesNothing) {
  const auto before = mandate_json({"ledger", "info"});
  EXPECT_EQ(mandate({"task", "request", "--as", "alice", "--intent", "x", "--executor", kWorkload, "--scope", "[{]",
                     "--duration", "30m"}).exit_code, 2);
  EXPECT_EQ(mandate({"task", "request", "--as", "alice", "--intent", "x", "--executor", kWorkload, "--scope", kScope,
                     "--duration", "30 minutes"}).exit_code, 2);
  EXPECT_EQ(mandate({"task", "request", "--as", "alice", "--intent", "x", "--executor", kWorkload, "--scope", kScope,
                     "--duration", "2h"}).exit_code, 2);  // longer than the rule allows
  EXPECT_EQ(mandate({"task", "request", "--as", "nobody", "--intent", "x", "--executor", kWorkload, "--scope", kScope,
                     "--duration", "30m"}).exit_code, 2);
  EXPECT_EQ(mandate({"approve", "task-unknown", "--as", "bob"}).exit_code, 2);
  EXPECT_EQ(mandate({"token", "issue", "task-unknown"}).exit_code, 2);
  EXPECT_EQ(mandate({"authorize", "--token", "garbage", "--proof", "x", "--action", "deploy", "--resource", "r"}).exit_code, 2);
  EXPECT_EQ(mandate({"authorize", "--token", "a.b.c", "--proof", "x", "--action", "deploy", "--resource", "r"}).exit_code, 2);
  write_file(tmp / "bad.cedar", "permit (principal, action, resource) when { 1 + };\n");
  const auto bad_policy = mandate({"policy", "load", (tmp / "bad.cedar").string()});
  EXPECT_EQ(bad_policy.exit_code, 2);
  EXPECT_NE(bad_policy.err.find("bad.cedar:1:"), std::string::npos) << bad_policy.err;
  write_file(tmp / "bad.toml", "[[rule]]\nid = \"x\"\napprovals = 0\nmax_task_duration = \"1h\"\n");
  const auto bad_rules = mandate({"rules", "load", (tmp / "bad.toml").string()});
  EXPECT_EQ(bad_rules.exit_code, 2);
  EXPECT_NE(bad_rules.err.find("bad.toml:3:"), std::string::npos) << bad_rules.err;
  EXPECT_EQ(mandate_json({"ledger", "info"})["size"], before["size"]);
}

// One key, one actor: registering the deployer's key (as JWK or as PEM) for
// another workload is refused with exit 2, naming the actor that holds it,
// and writes nothing.
TEST_F(WorkflowCliTest, AKeyAnotherActorHoldsIsRefused) {
  const auto before = mandate_json({"ledger", "info"});
  const auto jwk = mandate({"actor", "add", "--kind", "workload", "--id", "spiffe://example.org/ci/deployer-2", "--owner", "alice", "--key",
                            "@" + (tmp / "deployer.jwk").string()});
  EXPECT_EQ(jwk.exit_code, 2) << jwk.out << jwk.err;
  EXPECT_NE(jwk.err.find(std::string("this key is already registered for workload ") + kWorkload), std::string::npos)
      << jwk.err;
  const auto public_pem = run({"openssl", "pkey", "-in", key_file, "-pubout"});
  ASSERT_EQ(public_pem.exit_code, 0) << public_pem.err;
  write_file(tmp / "deployer.pub.pem", public_pem.out);
  const auto pem = mandate({"actor", "add", "--kind", "agent", "--id", "agent-1", "--owner", "alice", "--key",
                            "@" + (tmp / "deployer.pub.pem").string()});
  EXPECT_EQ(pem.exit_code, 2) << pem.out << pem.err;
  EXPECT_NE(pem.err.find(std::string("this key is already registered for workload ") + kWorkload), std::string::npos)
      << pem.err;
  EXPECT_EQ(mandate({"actor", "show", "spiffe://example.org/ci/deployer-2"}).exit_code, 2);
  EXPECT_EQ(mandate_json({"ledger", "info"}), before);
}

TEST_F(WorkflowCliTest, BreakGlassIsFlaggedAndAwaitsReview) {
  const auto glass = mandate({"task", "break-glass", "--as", "alice", "--intent", "Roll back a bad deploy", "--executor",
                              kWorkload, "--scope", kScope, "--duration", "15m", "--reason", "payments down"});
  ASSERT_EQ(glass.exit_code, 0) << glass.err;
  const auto out = nlohmann::json::parse(glass.out);
  const std::string token = out["token"];
  const auto pending = mandate_json({"review", "pending"});
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["id"], out["task"]);
  EXPECT_FALSE(pending[0]["overdue"]);
  EXPECT_EQ(mandate({"review", "approve", out["task"], "--as", "alice"}).exit_code, 2);  // not one's own
  EXPECT_EQ(mandate({"review", "approve", out["task"], "--as", "bob", "--comment", "justified"}).exit_code, 0);
  EXPECT_TRUE(mandate_json({"review", "pending"}).empty());
  const auto trace = mandate_json({"trace", out["task"], "--format", "json"});
  EXPECT_EQ(trace["task"]["break_glass"], true);
}

TEST_F(WorkflowCliTest, OffboardingTheOwnerRevokesTheWorkloadsMandates) {
  const std::string task = request_task();
  mandate_json({"approve", task, "--as", "bob"});
  mandate_json({"approve", task, "--as", "carol"});
  const std::string token = mandate_json({"token", "issue", task})["token"];
  const auto off = mandate_json({"actor", "offboard", "alice", "--reason", "left the company"});
  EXPECT_EQ(off["revoked_mandates"].size(), 1u);
  const auto denied = authorize(token, prove(token, "deploy", "prod/payments"), "deploy", "prod/payments");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(denied.out)["decided_by"], "revocation");
}

TEST_F(WorkflowCliTest, TheAnalyzerReadsTheWorkflowLedger) {
  const std::string task = request_task();
  mandate_json({"approve", task, "--as", "bob"});
  mandate_json({"approve", task, "--as", "carol"});
  const std::string token = mandate_json({"token", "issue", task})["token"];
  ASSERT_EQ(authorize(token, prove(token, "deploy", "prod/payments"), "deploy", "prod/payments").exit_code, 0);
  const auto first = mandate_json({"ingest", "ledger"});
  EXPECT_GT(first["added"].get<int>(), 0);
  EXPECT_EQ(mandate_json({"ingest", "ledger"})["added"], 0);  // re-reading adds nothing
  const auto report = mandate_json({"attribution", "--format", "json"});
  ASSERT_EQ(report["identities"].size(), 1u);
  EXPECT_EQ(report["identities"][0]["identity"], kWorkload);
  EXPECT_GE(report["identities"][0]["initiator_and_approval"].get<int>(), 1);
  EXPECT_EQ(report["identities"][0]["neither"], 0);
  const auto findings = mandate({"analyze", "--format", "json"});
  ASSERT_EQ(findings.exit_code, 0) << findings.err;
  // The workload's owner is the registered one: not orphaned; nobody approved their own work.
  EXPECT_EQ(findings.out.find("nhi.orphaned"), std::string::npos) << findings.out;
  EXPECT_EQ(findings.out.find("sod.approve_and_execute"), std::string::npos) << findings.out;
}

// `mandate actor offboard` reaches the analyzer through the ledger: the
// workload whose owner left is orphaned. (The window case, an offboarding
// before --since, is tests/analyze/analyze_store_test.cc: after the
// offboarding the workload's revoked mandate gets it nowhere, and a denied
// decision records no workload as its actor.)
TEST_F(WorkflowCliTest, TheAnalyzerSeesOwnersOffboardedInTheLedger) {
  const std::string task = request_task();
  mandate_json({"approve", task, "--as", "bob"});
  mandate_json({"approve", task, "--as", "carol"});
  const std::string token = mandate_json({"token", "issue", task})["token"];
  ASSERT_EQ(authorize(token, prove(token, "deploy", "prod/payments"), "deploy", "prod/payments").exit_code, 0);
  mandate_json({"ingest", "ledger"});
  EXPECT_EQ(mandate({"analyze", "--format", "json"}).out.find("nhi.orphaned"), std::string::npos);
  mandate_json({"actor", "offboard", "alice", "--reason", "left the company"});
  mandate_json({"ingest", "ledger"});

  bool seen = false;
  std::istringstream lines(mandate({"events"}).out);
  for (std::string line; std::getline(lines, line);) {
    const auto e = nlohmann::json::parse(line);
    if (e["action"] != "mandate:actor.offboarded") continue;
    seen = true;
    EXPECT_EQ(e["category"], "lifecycle");
    EXPECT_EQ(e["resource"], "alice");
  }
  EXPECT_TRUE(seen);
  const auto findings = mandate({"analyze", "--format", "json"});
  ASSERT_EQ(findings.exit_code, 0) << findings.err;
  EXPECT_NE(findings.out.find("nhi.orphaned"), std::string::npos) << findings.out;
  EXPECT_NE(findings.out.find("alice has been offboarded"), std::string::npos) << findings.out;
  // Suspension is read the same way.
  mandate_json({"actor", "suspend", "carol", "--reason", "on leave"});
  EXPECT_EQ(mandate_json({"ingest", "ledger"})["added"], 1);
}

TEST(WorkflowInit, RulesLoadAtInitAndABadFileMakesNoHome) {
  TempDir dir;
  write_file(dir / "rules.toml", "[[rule]]\nid = \"all\"\nmax_task_duration = \"2h\"\napprovals = 3\n");
  write_file(dir / "bad.toml", "[[rule]]\nid = \"all\"\n");
  const std::string bad_home = (dir / "bad-home").string();
  EXPECT_EQ(run({MANDATE_BINARY, "--home", bad_home, "init", "--origin", "t.example/m", "--rules", (dir / "bad.toml").string()}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(bad_home));
  const std::string home = (dir / "home").string();
  ASSERT_EQ(run({MANDATE_BINARY, "--home", home, "init", "--origin", "t.example/m", "--rules", (dir / "rules.toml").string()}).exit_code, 0);
  const auto shown = nlohmann::json::parse(run({MANDATE_BINARY, "--home", home, "rules", "show"}).out);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0]["approvals"], 3);
}

}  // namespace
}  // namespace mandate::testing
