// OCSF output validated against the 1.3.0 class definitions (see
// ocsf_validator.h for the schema files it encodes): every event of every
// shared sample, and every finding the analyzer draws from them.
#include <gtest/gtest.h>

#include <map>

#include "analyze/analyzer.h"
#include "export/ocsf.h"
#include "ingest/importer.h"
#include "ocsf_validator.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

std::vector<core::AuditEvent> sample_events() {
  const std::string root = std::string(MANDATE_SHARED_DIR) + "/samples/";
  const std::vector<std::pair<SourceKind, std::string>> files = {
      {SourceKind::cloudtrail, "cloudtrail/otrf_ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json"},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.credential-access.ec2-steal-instance-credentials.json"},
      {SourceKind::cloudtrail, "cloudtrail/awsdocs_cloudtrail-user-guide_examples/examples.jsonl"},
      {SourceKind::k8s_audit, "k8s_audit/audit2rbac_testdata/demo.lines01-09.log"},
      {SourceKind::k8s_audit, "k8s_audit/falco_test_trace_files/attach_cluster_admin_role.json"},
      {SourceKind::vault, "vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log"},
      {SourceKind::github, "github/azure-sentinel_github_audit_log_export/Github_sample_logs.2023-11-27_to_2024-03-12.jsonl"},
      {SourceKind::github, "github/actions_oidc_claims_actions-oidc-debugger/README_example_claims.json"},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/workflow_run/requested.payload.json"},
  };
  std::vector<core::AuditEvent> events;
  for (const auto& [kind, path] : files) {
    auto parsed = ingest::parse_source(kind, ingest::read_source(root + path), path);
    for (auto& e : parsed.events) events.push_back(std::move(e));
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
  return events;
}

TEST(Ocsf, EveryImportedEventIsValidInItsClass) {
  const auto events = sample_events();
  ASSERT_GT(events.size(), 200u);
  std::map<int, std::size_t> classes;
  for (const auto& e : events) {
    const auto records = exporting::ocsf_events(e);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.front()["class_uid"], exporting::ocsf_class_of(e));
    for (const auto& out : records) {
      const auto problems = validate_ocsf(out);
      EXPECT_TRUE(problems.empty()) << e.origin << ": " << problems.front();
      ++classes[out["class_uid"].get<int>()];
    }
    // Every class also validates API Activity's own shape for the same event.
    const auto api = validate_ocsf(exporting::ocsf_api_activity(e));
    EXPECT_TRUE(api.empty()) << e.origin << ": " << api.front();
  }
  // The samples hold console and federated sign-ins, Vault logins, Actions
  // OIDC tokens (3002) and AssumeRole sessions (3003).
  EXPECT_GT(classes[6003], 100u);
  EXPECT_GT(classes[3002], 0u);
  EXPECT_GT(classes[3003], 0u);
  const auto first = exporting::ocsf_api_activity(events.front());
  EXPECT_EQ(first["metadata"]["uid"], events.front().id);
  EXPECT_EQ(first["time"], std::chrono::duration_cast<std::chrono::milliseconds>(events.front().time.time_since_epoch()).count());
}

TEST(Ocsf, ActivityAndStatusFollowTheAction) {
  core::AuditEvent e;
  e.id = "x";
  e.actor = {"bot", core::PrincipalKind::workload, {}};
  e.action = "s3:DeleteObject";
  e.result = core::EventResult::denied;
  auto out = exporting::ocsf_api_activity(e);
  EXPECT_EQ(out["activity_id"], 4);
  EXPECT_EQ(out["type_uid"], 600304);
  EXPECT_EQ(out["status_id"], 2);
  EXPECT_EQ(out["actor"]["user"]["type_id"], 4);  // Service
  e.action = "vault:frobnicate";
  out = exporting::ocsf_api_activity(e);
  EXPECT_EQ(out["activity_id"], 99);
  EXPECT_EQ(out["activity_name"], "vault:frobnicate");
  const auto problems = validate_ocsf(out);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

core::AuditEvent event_of(std::string source, std::string action, core::EventCategory category) {
  core::AuditEvent e;
  e.id = "x";
  e.source = std::move(source);
  e.actor = {"arn:aws:iam::1:role/ci", core::PrincipalKind::workload, {}};
  e.action = std::move(action);
  e.category = category;
  e.result = core::EventResult::success;
  e.source_address = "10.0.0.1";
  return e;
}

// The class mapping documented in docs/log-analysis.md, class by class.
TEST(Ocsf, EventsMapToTheirIamClass) {
  using core::EventCategory;
  const auto valid = [](const nlohmann::json& out) {
    const auto problems = validate_ocsf(out);
    EXPECT_TRUE(problems.empty()) << out.dump() << "\n" << (problems.empty() ? "" : problems.front());
    return out;
  };
  auto login = event_of("cloudtrail", "signin:ConsoleLogin", EventCategory::authentication);
  auto out = valid(exporting::ocsf_events(login).at(0));
  EXPECT_EQ(out["class_uid"], 3002);
  EXPECT_EQ(out["type_uid"], 300201);
  EXPECT_EQ(out["activity_name"], "Logon");
  EXPECT_EQ(out["user"]["uid"], "arn:aws:iam::1:role/ci");
  EXPECT_EQ(out["metadata"]["profiles"], nlohmann::json::array({"cloud"}));

  auto saml = event_of("cloudtrail", "sts:AssumeRoleWithSAML", EventCategory::credential_issued);
  saml.issued_credential = "ASIA1";
  out = valid(exporting::ocsf_events(saml).at(0));
  EXPECT_EQ(out["class_uid"], 3002);
  EXPECT_EQ(out["auth_protocol_id"], 5);
  EXPECT_EQ(out["session"]["uid"], "ASIA1");
  saml.action = "sts:AssumeRoleWithWebIdentity";
  EXPECT_EQ(valid(exporting::ocsf_events(saml).at(0))["auth_protocol_id"], 4);

  auto assume = event_of("cloudtrail", "sts:AssumeRole", EventCategory::credential_issued);
  assume.resource = "arn:aws:iam::1:role/deploy";
  assume.issued_credential = "ASIA2";
  out = valid(exporting::ocsf_events(assume).at(0));
  EXPECT_EQ(out["class_uid"], 3003);
  EXPECT_EQ(out["type_uid"], 300301);
  EXPECT_EQ(out["privileges"], nlohmann::json::array({"arn:aws:iam::1:role/deploy"}));
  EXPECT_EQ(out["session"]["uid"], "ASIA2");
  // Denied, nothing was granted: the call stays API Activity.
  auto denied = event_of("cloudtrail", "sts:AssumeRole", EventCategory::action);
  denied.result = core::EventResult::denied;
  EXPECT_EQ(valid(exporting::ocsf_events(denied).at(0))["class_uid"], 6003);
  // A long-lived key is created by an API call, no session is authorized.
  EXPECT_EQ(exporting::ocsf_class_of(event_of("cloudtrail", "iam:CreateAccessKey", EventCategory::credential_issued)), 6003);

  auto vault_login = event_of("vault", "update auth/oidc/login", EventCategory::authentication);
  EXPECT_EQ(valid(exporting::ocsf_events(vault_login).at(0))["class_uid"], 3002);
  auto vault_token = event_of("vault", "update auth/token/create", EventCategory::credential_issued);
  vault_token.issued_credential = "hmac-accessor";
  EXPECT_EQ(valid(exporting::ocsf_events(vault_token).at(0))["class_uid"], 3003);

  auto mandate_issued = event_of("ledger", "mandate:mandate.issued", EventCategory::credential_issued);
  mandate_issued.actor = {"operator", core::PrincipalKind::human, {}};
  mandate_issued.resource = "spiffe://example.org/ci/deployer";
  out = valid(exporting::ocsf_events(mandate_issued).at(0));
  EXPECT_EQ(out["class_uid"], 3003);
  EXPECT_EQ(out["user"]["uid"], "spiffe://example.org/ci/deployer");
  EXPECT_EQ(out["actor"]["user"]["uid"], "operator");

  auto impersonated = event_of("k8s-audit", "list pods", EventCategory::action);
  impersonated.actor = {"system:serviceaccount:ns1:sa1", core::PrincipalKind::workload, {}};
  impersonated.chain.push_back({core::Relation::impersonated_by, {"alice", core::PrincipalKind::human, {}}});
  const auto records = exporting::ocsf_events(impersonated);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(valid(records[0])["class_uid"], 6003);
  out = valid(records[1]);
  EXPECT_EQ(out["class_uid"], 3003);
  EXPECT_EQ(out["user"]["uid"], "alice");
  EXPECT_EQ(out["privileges"], nlohmann::json::array({"impersonate:system:serviceaccount:ns1:sa1"}));
  EXPECT_NE(out["metadata"]["uid"], records[0]["metadata"]["uid"]);
}

TEST(Ocsf, EveryFindingIsValidComplianceFinding) {
  analyze::AnalyzeConfig config;
  analyze::Analyzer analyzer(config, nullptr);
  for (const auto& e : sample_events()) analyzer.observe(e);
  const auto analysis = analyzer.finish();
  ASSERT_FALSE(analysis.findings.empty());
  for (const auto& f : analysis.findings) {
    const auto out = exporting::ocsf_finding(f, analysis.as_of, exporting::FindingClass::compliance);
    const auto problems = validate_ocsf(out);
    EXPECT_TRUE(problems.empty()) << f.rule->id << ": " << problems.front();
    EXPECT_EQ(out["class_uid"], 2003);
    EXPECT_EQ(out["type_uid"], 200301);
    EXPECT_EQ(out["compliance"]["status_id"], 3);
    EXPECT_EQ(out["compliance"]["requirements"].size(), f.rule->mappings.size());
    EXPECT_EQ(out["compliance"]["status_detail"], f.rule->id);
  }
}

TEST(Ocsf, EveryFindingIsValidDetectionFinding) {
  analyze::AnalyzeConfig config;
  analyze::Analyzer analyzer(config, nullptr);
  for (const auto& e : sample_events()) analyzer.observe(e);
  const auto analysis = analyzer.finish();
  ASSERT_FALSE(analysis.findings.empty());
  std::set<std::string> rules;
  for (const auto& f : analysis.findings) {
    const auto out = exporting::ocsf_detection_finding(f, analysis.as_of);
    const auto problems = validate_ocsf(out);
    EXPECT_TRUE(problems.empty()) << f.rule->id << ": " << problems.front();
    EXPECT_EQ(out["finding_info"]["analytic"]["uid"], f.rule->id);
    rules.insert(std::string(f.rule->id));
  }
  EXPECT_GE(rules.size(), 5u);
}

TEST(Ocsf, ATechniqueFindingCarriesItsAttackTechniqueAndSourceIds) {
  analyze::Finding f;
  f.rule = &analyze::rule("aws.cloudtrail_stopped");
  f.subject = "arn:aws:iam::1:role/ops";
  f.explanation = "stopped";
  f.evidence = {"e1"};
  f.evidence_source_ids = {"cloudtrail:0f3f6a2e"};
  f.behind = {"arn:aws:iam::1:user/alice"};
  const auto out = exporting::ocsf_detection_finding(f, core::Timestamp{});
  ASSERT_TRUE(validate_ocsf(out).empty()) << validate_ocsf(out).front();
  using nlohmann::json;
  const auto broken = [](json changed, auto change) {
    change(changed);
    return !validate_ocsf(changed).empty();
  };
  ASSERT_EQ(out["finding_info"]["attacks"].size(), 1u);
  EXPECT_EQ(out["finding_info"]["attacks"][0]["technique"]["uid"], "T1562");
  EXPECT_EQ(out["finding_info"]["attacks"][0]["sub_technique"]["uid"], "T1562.008");
  EXPECT_EQ(out["unmapped"]["mandate"]["evidence_source_ids"][0], "cloudtrail:0f3f6a2e");
  EXPECT_EQ(out["unmapped"]["mandate"]["behind"][0], "arn:aws:iam::1:user/alice");
  EXPECT_TRUE(broken(out, [](json& o) { o["finding_info"]["attacks"] = json::array({json::object()}); }));
  EXPECT_TRUE(broken(out, [](json& o) { o["finding_info"]["attacks"][0]["technique"] = json::object(); }));
  EXPECT_TRUE(broken(out, [](json& o) { o["finding_info"]["attacks"][0]["mitre"] = "x"; }));
  // A hygiene rule maps to no technique: no attacks at all.
  f.rule = &analyze::rule("nhi.orphaned");
  EXPECT_FALSE(exporting::ocsf_detection_finding(f, core::Timestamp{})["finding_info"].contains("attacks"));
}

TEST(Ocsf, ValidatorRejectsWhatTheSchemaForbids) {
  core::AuditEvent e;
  e.id = "x";
  e.actor = {"bot", core::PrincipalKind::workload, {}};
  e.action = "s3:GetObject";
  const auto good = exporting::ocsf_api_activity(e);
  const auto problems = validate_ocsf(good);
  ASSERT_TRUE(problems.empty()) << problems.front();
  auto missing = good;
  missing.erase("api");
  EXPECT_FALSE(validate_ocsf(missing).empty());
  auto wrong_type = good;
  wrong_type["time"] = "yesterday";
  EXPECT_FALSE(validate_ocsf(wrong_type).empty());
  auto stray = good;
  stray["chain"] = nlohmann::json::array();
  EXPECT_FALSE(validate_ocsf(stray).empty());
  auto bad_type_uid = good;
  bad_type_uid["type_uid"] = 600399;
  EXPECT_FALSE(validate_ocsf(bad_type_uid).empty());
  auto no_actor = good;
  no_actor["actor"] = nlohmann::json::object();
  EXPECT_FALSE(validate_ocsf(no_actor).empty());
  auto old_version = good;
  old_version["metadata"]["version"] = "1.0.0";
  EXPECT_FALSE(validate_ocsf(old_version).empty());
}

TEST(Ocsf, ValidatorRejectsWhatTheIamAndComplianceClassesForbid) {
  auto login = event_of("cloudtrail", "signin:ConsoleLogin", core::EventCategory::authentication);
  const auto auth = exporting::ocsf_authentication(login);
  ASSERT_TRUE(validate_ocsf(auth).empty()) << validate_ocsf(auth).front();
  const auto broken = [](nlohmann::json out, auto change) {
    change(out);
    return !validate_ocsf(out).empty();
  };
  using nlohmann::json;
  EXPECT_TRUE(broken(auth, [](json& o) { o.erase("user"); }));
  EXPECT_TRUE(broken(auth, [](json& o) { o.erase("service"); }));  // at_least_one of service, dst_endpoint
  EXPECT_TRUE(broken(auth, [](json& o) { o["activity_id"] = 7; o["type_uid"] = 300207; }));
  EXPECT_TRUE(broken(auth, [](json& o) { o["type_uid"] = 600301; }));
  EXPECT_TRUE(broken(auth, [](json& o) { o["category_uid"] = 6; }));
  EXPECT_TRUE(broken(auth, [](json& o) { o["auth_protocol_id"] = 42; }));
  EXPECT_TRUE(broken(auth, [](json& o) { o["is_mfa"] = "yes"; }));
  EXPECT_TRUE(broken(auth, [](json& o) { o["session"] = {{"uid", "s"}, {"created_time", "today"}}; }));
  EXPECT_TRUE(broken(auth, [](json& o) { o["resources"] = json::array(); }));  // API Activity's, not Authentication's
  EXPECT_TRUE(broken(auth, [](json& o) { o["metadata"].erase("profiles"); }));  // cloud and api then do not belong
  EXPECT_TRUE(broken(auth, [](json& o) { o.erase("cloud"); }));                 // the cloud profile requires cloud

  auto assume = event_of("cloudtrail", "sts:AssumeRole", core::EventCategory::credential_issued);
  assume.issued_credential = "ASIA2";
  const auto session = exporting::ocsf_authorize_session(assume);
  ASSERT_TRUE(validate_ocsf(session).empty()) << validate_ocsf(session).front();
  EXPECT_TRUE(broken(session, [](json& o) { o.erase("privileges"); }));
  EXPECT_TRUE(broken(session, [](json& o) { o["group"] = {{"name", "admins"}}; }));  // both privileges and group
  EXPECT_TRUE(broken(session, [](json& o) { o["privileges"] = json::array({1}); }));
  EXPECT_TRUE(broken(session, [](json& o) { o["activity_id"] = 3; o["type_uid"] = 300303; }));
  EXPECT_TRUE(broken(session, [](json& o) { o["status_id"] = 5; }));

  analyze::Finding f;
  f.rule = &analyze::rule("nhi.orphaned");
  f.subject = "bot";
  f.explanation = "bot has no accountable owner on record.";
  const auto finding = exporting::ocsf_compliance_finding(f, core::Timestamp{});
  ASSERT_TRUE(validate_ocsf(finding).empty()) << validate_ocsf(finding).front();
  EXPECT_TRUE(broken(finding, [](json& o) { o.erase("compliance"); }));
  EXPECT_TRUE(broken(finding, [](json& o) { o["compliance"]["standards"] = json::array(); }));
  EXPECT_TRUE(broken(finding, [](json& o) { o["compliance"]["status_id"] = 7; }));
  EXPECT_TRUE(broken(finding, [](json& o) { o["compliance"]["framework"] = "nist"; }));
  EXPECT_TRUE(broken(finding, [](json& o) { o["type_uid"] = 200401; }));
  EXPECT_TRUE(broken(finding, [](json& o) { o.erase("finding_info"); }));
  EXPECT_TRUE(broken(finding, [](json& o) { o["is_alert"] = true; }));  // Detection Finding's, not Compliance's
}

}  // namespace
}  // namespace mandate::testing
