// OCSF output validated against the 1.3.0 class definitions (see
// ocsf_validator.h for the schema files it encodes): every event of every
// shared sample, and every finding the analyzer draws from them.
#include <gtest/gtest.h>

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

TEST(Ocsf, EveryImportedEventIsValidApiActivity) {
  const auto events = sample_events();
  ASSERT_GT(events.size(), 200u);
  for (const auto& e : events) {
    const auto out = exporting::ocsf_api_activity(e);
    const auto problems = validate_ocsf(out);
    EXPECT_TRUE(problems.empty()) << e.origin << ": " << problems.front();
    EXPECT_EQ(out["class_uid"], 6003);
  }
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

}  // namespace
}  // namespace mandate::testing
