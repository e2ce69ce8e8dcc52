// `mandate ingest auto`: each log is told by the parser that reads it, and a
// folder walk takes the logs and names what it left out.
#include <gtest/gtest.h>

#include <fstream>

#include "ingest/detect_source.h"
#include "ingest_support.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

std::optional<SourceKind> detect(const std::string& path) {
  return ingest::detect_source(ingest::read_source(path), path);
}

TEST(DetectSource, EverySampleIsToldAsItsSource) {
  const std::vector<std::pair<std::string, SourceKind>> samples = {
      {"cloudtrail/otrf_ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json", SourceKind::cloudtrail},
      {"cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json", SourceKind::cloudtrail},
      {"cloudtrail/awsdocs_cloudtrail-user-guide_examples/examples.jsonl", SourceKind::cloudtrail},
      {"k8s_audit/audit2rbac_testdata/demo.lines01-09.log", SourceKind::k8s_audit},
      {"k8s_audit/falco_test_trace_files/exec_pod.json", SourceKind::k8s_audit},
      {"vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log", SourceKind::vault},
      {"github/azure-sentinel_github_audit_log_export/Github_sample_logs.2023-11-27_to_2024-03-12.jsonl", SourceKind::github},
      {"github/actions_oidc_claims_actions-oidc-debugger/README_example_claims.json", SourceKind::github},
      {"github/octokit_webhooks_payload-examples/workflow_run/requested.payload.json", SourceKind::github},
  };
  for (const auto& [path, kind] : samples) {
    SCOPED_TRACE(path);
    const auto found = detect(sample(path));
    ASSERT_TRUE(found);
    EXPECT_EQ(ingest::to_string(*found), ingest::to_string(kind));
  }
}

TEST(DetectSource, TextNoParserReadsIsNoSource) {
  EXPECT_FALSE(ingest::detect_source(ingest::SourceText("# a README\nnot a log\n"), "README.md"));
  EXPECT_FALSE(ingest::detect_source(ingest::SourceText("{\"hello\":\"world\"}\n"), "x.json"));
  EXPECT_FALSE(ingest::detect_source(ingest::SourceText(""), "empty.json"));
}

TEST(DetectSource, ALongJsonLinesFileIsToldByItsFirstLines) {
  // 300 Kubernetes lines, then one CloudTrail record: the first lines decide.
  const std::string k8s =
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete",)"
      R"("verb":"get","user":{"username":"alice"},"objectRef":{"resource":"pods"},)"
      R"("requestReceivedTimestamp":"2024-01-01T00:00:00Z","stageTimestamp":"2024-01-01T00:00:00Z"})";
  std::string text;
  for (int i = 0; i < 300; ++i) text += k8s + "\n";
  text += R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}})";
  const auto found = ingest::detect_source(ingest::SourceText(text), "audit.log");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, SourceKind::k8s_audit);
}

TEST(LogFiles, AFolderWalkTakesLogsSortedAndNamesWhatItLeftOut) {
  TempDir dir;
  const auto touch = [&](const std::string& relative) {
    std::filesystem::create_directories((dir / relative).parent_path());
    std::ofstream(dir / relative) << "{}";
  };
  touch("b/trail.json.gz");
  touch("a/audit.log");
  touch("a/events.jsonl");
  touch("a/SOURCE.md");
  touch("a/LICENSE.txt");
  touch("LICENSES/Apache-2.0.txt.sig");
  touch(".git/objects/x.json");
  touch(".hidden.json");
  std::vector<std::string> ignored;
  const auto found = ingest::log_files(dir.path(), ignored);
  const std::string root = dir.path().string();
  EXPECT_EQ(found, (std::vector<std::string>{root + "/a/audit.log", root + "/a/events.jsonl", root + "/b/trail.json.gz"}));
  EXPECT_EQ(ignored, (std::vector<std::string>{root + "/LICENSES/Apache-2.0.txt.sig", root + "/a/LICENSE.txt", root + "/a/SOURCE.md"}));
  // A file named on its own is taken whatever its name.
  std::vector<std::string> none;
  EXPECT_EQ(ingest::log_files(dir / "a/SOURCE.md", none), std::vector<std::string>{root + "/a/SOURCE.md"});
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace mandate::testing
