// Every shared sample imported, with record counts and chains checked by hand
// against the files (../shared/samples/*/SOURCE.md describes them).
#include <gtest/gtest.h>

#include <algorithm>

#include "ingest/importer.h"
#include "ingest_support.h"

namespace mandate::testing {
namespace {

using core::PrincipalKind;
using core::Relation;
using ingest::SourceKind;

struct Expected {
  SourceKind kind;
  std::string path;
  std::size_t records, events, skipped, merged, malformed;
};

const core::AuditEvent* find(const std::vector<core::AuditEvent>& events, const std::string& action,
                             const std::string& actor = "") {
  const auto it = std::find_if(events.begin(), events.end(), [&](const core::AuditEvent& e) {
    return e.action == action && (actor.empty() || e.actor.id == actor);
  });
  return it == events.end() ? nullptr : &*it;
}

TEST(Samples, EveryFileImportsWithItsRecordCounts) {
  const std::vector<Expected> files = {
      {SourceKind::cloudtrail, "cloudtrail/otrf_ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json", 103, 103, 0, 0, 0},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.credential-access.ec2-steal-instance-credentials.json", 45, 45, 0, 0, 0},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json", 3, 3, 0, 0, 0},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.impact.bedrock-invoke-model.json", 15, 15, 0, 0, 0},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.initial-access.console-login-without-mfa.json", 1, 1, 0, 0, 0},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json", 4, 4, 0, 0, 0},
      {SourceKind::cloudtrail, "cloudtrail/stratus-red-team_detonation-logs/aws.persistence.iam-create-user-login-profile.json", 3, 3, 0, 0, 0},
      // Lines 12, 19, 20 are Insights events (no actor); line 11 is a bare
      // userIdentity fragment without eventTime.
      {SourceKind::cloudtrail, "cloudtrail/awsdocs_cloudtrail-user-guide_examples/examples.jsonl", 23, 19, 3, 0, 1},
      {SourceKind::k8s_audit, "k8s_audit/audit2rbac_testdata/demo.lines01-09.log", 9, 9, 0, 0, 0},
      {SourceKind::k8s_audit, "k8s_audit/falco_test_trace_files/create_configmap_sensitive_values.json", 6, 6, 0, 0, 0},
      {SourceKind::k8s_audit, "k8s_audit/falco_test_trace_files/attach_cluster_admin_role.json", 1, 1, 0, 0, 0},
      {SourceKind::k8s_audit, "k8s_audit/falco_test_trace_files/create_secret.json", 1, 1, 0, 0, 0},
      {SourceKind::k8s_audit, "k8s_audit/falco_test_trace_files/exec_pod.json", 1, 1, 0, 0, 0},
      // Four request/response pairs and one lone request (line 9).
      {SourceKind::vault, "vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log", 9, 5, 0, 4, 0},
      {SourceKind::github, "github/azure-sentinel_github_audit_log_export/Github_sample_logs.2023-11-27_to_2024-03-12.jsonl", 28, 28, 0, 0, 0},
      {SourceKind::github, "github/actions_oidc_claims_actions-oidc-debugger/README_example_claims.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/workflow_run/requested.payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/deployment_review/requested.payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/push/payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/installation/created.payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/workflow_job/completed.success.with-organization.payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/workflow_job/queued.payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/deployment_status/payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/check_suite/requested.payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/deployment/payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/workflow_dispatch/payload.json", 1, 1, 0, 0, 0},
      {SourceKind::github, "github/octokit_webhooks_payload-examples/repository_dispatch/payload.json", 1, 1, 0, 0, 0},
  };
  for (const auto& f : files) {
    SCOPED_TRACE(f.path);
    const auto parsed = parse_file(f.kind, sample(f.path));
    EXPECT_EQ(parsed.report.records, f.records);
    EXPECT_EQ(parsed.report.events, f.events);
    EXPECT_EQ(parsed.events.size(), f.events);
    EXPECT_EQ(parsed.report.skipped, f.skipped);
    EXPECT_EQ(parsed.report.merged, f.merged);
    EXPECT_EQ(parsed.report.malformed, f.malformed);
  }
}

TEST(Samples, AwsDocsFragmentIsReportedWithItsLine) {
  const auto parsed = parse_file(SourceKind::cloudtrail, sample("cloudtrail/awsdocs_cloudtrail-user-guide_examples/examples.jsonl"));
  ASSERT_EQ(parsed.report.malformed_examples.size(), 1u);
  EXPECT_TRUE(parsed.report.malformed_examples[0].where.ends_with("examples.jsonl:11"));
  EXPECT_EQ(parsed.report.malformed_examples[0].reason, "missing eventTime");
}

TEST(Samples, CloudTrailIdentitiesAndIssuedCredentials) {
  const auto parsed = parse_file(SourceKind::cloudtrail,
                                 sample("cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json"));
  // christophe (an IAM user with a long-lived key) assumes the role; the
  // response's temporary key is what the session then uses.
  const auto* assume = find(parsed.events, "sts:AssumeRole");
  ASSERT_NE(assume, nullptr);
  EXPECT_EQ(assume->actor.id, "arn:aws:iam::307578594326:user/christophe");
  EXPECT_EQ(assume->actor.kind, PrincipalKind::human);
  EXPECT_EQ(assume->credential_kind, core::CredentialKind::access_key);
  EXPECT_EQ(assume->category, core::EventCategory::credential_issued);
  EXPECT_EQ(assume->issued_credential, "ASIA36EV31F1RB3OA8IG");
  // The session token is a secret: it never reaches the store.
  EXPECT_EQ(assume->raw.find("IQoJb3JpZ2lu"), std::string::npos);
  EXPECT_NE(assume->raw.find("\"sessionToken\":\"REDACTED\""), std::string::npos);
  const auto* leave = find(parsed.events, "organizations:LeaveOrganization");
  ASSERT_NE(leave, nullptr);
  EXPECT_EQ(leave->actor.id, "arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role");
  EXPECT_EQ(leave->actor.kind, PrincipalKind::workload);
  EXPECT_EQ(leave->credential, "ASIA36EV31F1RB3OA8IG");
  EXPECT_EQ(leave->credential_kind, core::CredentialKind::session);
  EXPECT_EQ(leave->result, core::EventResult::denied);
  EXPECT_TRUE(leave->origin.ends_with("organizations-leave.json:54"));
}

TEST(Samples, IdentityCenterSessionIsAPerson) {
  const auto parsed = parse_file(
      SourceKind::cloudtrail,
      sample("cloudtrail/stratus-red-team_detonation-logs/aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json"));
  const auto* e = find(parsed.events, "ec2-instance-connect:SendSerialConsoleSSHPublicKey");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->actor.kind, PrincipalKind::human);
  EXPECT_NE(e->actor.id.find("AWSReservedSSO_account-admin"), std::string::npos);
  // The sample's arn fuses role and session; principalId still names the person.
  ASSERT_FALSE(e->chain.empty());
  EXPECT_EQ(e->chain[0].relation, Relation::federated_from);
  EXPECT_EQ(e->chain[0].principal.id, "randomca0L529zwNAY@gmail.com");
}

TEST(Samples, InstanceProfileCredentialsAreIssuedByEc2) {
  const auto parsed = parse_file(SourceKind::cloudtrail,
                                 sample("cloudtrail/otrf_ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"));
  const auto* get = find(parsed.events, "s3:GetObject");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->actor.id, "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0");
  EXPECT_EQ(get->credential, "ASIA5FLZVX4OPVKKVBMX");
  // The AssumeRole by ec2.amazonaws.com that handed out that key.
  const auto issuer = std::find_if(parsed.events.begin(), parsed.events.end(), [&](const core::AuditEvent& e) {
    return e.issued_credential == get->credential;
  });
  ASSERT_NE(issuer, parsed.events.end());
  EXPECT_EQ(issuer->actor.id, "ec2.amazonaws.com");
  EXPECT_EQ(issuer->actor.kind, PrincipalKind::service);
}

TEST(Samples, KubernetesImpersonationChain) {
  const auto parsed = parse_file(SourceKind::k8s_audit, sample("k8s_audit/audit2rbac_testdata/demo.lines01-09.log"));
  ASSERT_EQ(parsed.events.size(), 9u);
  const auto& bob = parsed.events[0];
  EXPECT_EQ(bob.actor.id, "bob");
  EXPECT_EQ(bob.action, "list pods");
  EXPECT_EQ(bob.result, core::EventResult::denied);
  ASSERT_EQ(bob.chain.size(), 1u);
  EXPECT_EQ(bob.chain[0].relation, Relation::impersonated_by);
  EXPECT_EQ(bob.chain[0].principal.id, "system:admin");
  const auto& sa = parsed.events[4];
  EXPECT_EQ(sa.actor.id, "system:serviceaccount:ns1:sa1");
  EXPECT_EQ(sa.actor.kind, PrincipalKind::workload);
  EXPECT_EQ(sa.chain.at(0).principal.kind, PrincipalKind::human);
}

TEST(Samples, KubernetesSecretDataIsNotStored) {
  const auto parsed = parse_file(SourceKind::k8s_audit, sample("k8s_audit/falco_test_trace_files/attach_cluster_admin_role.json"));
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_NE(std::find(parsed.events[0].signals.begin(), parsed.events[0].signals.end(), "admin_policy_attached"),
            parsed.events[0].signals.end());
  const auto secret = parse_text(SourceKind::k8s_audit,
                                 R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",)"
                                 R"("user":{"username":"alice"},"stageTimestamp":"2024-01-01T00:00:00Z",)"
                                 R"("objectRef":{"resource":"secrets","namespace":"a","name":"s"},)"
                                 R"("requestObject":{"data":{"password":"aHVudGVyMg=="}},"responseStatus":{"code":201}})");
  ASSERT_EQ(secret.events.size(), 1u);
  EXPECT_EQ(secret.events[0].raw.find("aHVudGVyMg"), std::string::npos);
  EXPECT_NE(secret.events[0].raw.find("\"verb\":\"create\""), std::string::npos);  // the rest is kept
}

TEST(Samples, VaultPairsRequestsWithResponses) {
  const auto parsed = parse_file(SourceKind::vault, sample("vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log"));
  const auto* runner = find(parsed.events, "read secret/data/apps/continuous-delivery/aws-bucket-sse-c");
  ASSERT_NE(runner, nullptr);
  EXPECT_EQ(runner->actor.id, "token-375f9cb3-4355-42c7-eab5-029f8a310ca7-runner");
  EXPECT_EQ(runner->actor.kind, PrincipalKind::workload);
  EXPECT_EQ(runner->result, core::EventResult::success);  // from the response
  EXPECT_TRUE(runner->credential.starts_with("hmac-sha256:"));
  ASSERT_TRUE(runner->credential_issued_at.has_value());
  const auto* human = find(parsed.events, "update sys/capabilities-self");
  ASSERT_NE(human, nullptr);
  EXPECT_EQ(human->actor.id, "e4f5c67a-6f7e-789d-ae56-a1fe3ae23046");
  EXPECT_EQ(human->actor.kind, PrincipalKind::human);
  const auto* denied = find(parsed.events, "update internal-ca/issue/internal-server");
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ(denied->result, core::EventResult::denied);
  const auto* help = find(parsed.events, "help ca/roles/example");
  ASSERT_NE(help, nullptr);
  EXPECT_EQ(help->result, core::EventResult::unknown);  // no response logged
}

TEST(Samples, GitHubOidcClaimsNameTheWorkflowAndItsTrigger) {
  const auto parsed = parse_file(SourceKind::github, sample("github/actions_oidc_claims_actions-oidc-debugger/README_example_claims.json"));
  ASSERT_EQ(parsed.events.size(), 1u);
  const auto& e = parsed.events[0];
  EXPECT_EQ(e.actor.id, "repo:github/actions-oidc-debugger:pull_request");
  EXPECT_EQ(e.actor.kind, PrincipalKind::workload);
  ASSERT_EQ(e.chain.size(), 1u);
  EXPECT_EQ(e.chain[0].relation, Relation::triggered_by);
  EXPECT_EQ(e.chain[0].principal.id, "GrantBirki");
  EXPECT_EQ(e.reference, "github-run:github/actions-oidc-debugger/16055869479");
  EXPECT_EQ(core::format_timestamp(e.time), "2025-07-03T16:32:55.000000Z");
}

TEST(Samples, GitHubAuditLogTokensAndApprovalsSetting) {
  const auto parsed = parse_file(SourceKind::github,
                                 sample("github/azure-sentinel_github_audit_log_export/Github_sample_logs.2023-11-27_to_2024-03-12.jsonl"));
  const auto* created = find(parsed.events, "github:oauth_access.create");
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(created->category, core::EventCategory::credential_issued);
  EXPECT_FALSE(created->issued_credential.empty());
  const auto* can_approve = find(parsed.events, "github:repo.set_workflow_permission_can_approve_pr");
  ASSERT_NE(can_approve, nullptr);
  EXPECT_EQ(can_approve->signals, std::vector<std::string>{"workflow_can_approve"});
  const auto* forgot = find(parsed.events, "github:user.forgot_password");
  ASSERT_NE(forgot, nullptr);
  EXPECT_EQ(forgot->actor.id, "siteshjha11");  // no actor: the account it was for
}

TEST(Samples, GitHubWorkflowRunIsTriggeredByAPerson) {
  const auto parsed = parse_file(SourceKind::github, sample("github/octokit_webhooks_payload-examples/workflow_run/requested.payload.json"));
  ASSERT_EQ(parsed.events.size(), 1u);
  const auto& e = parsed.events[0];
  EXPECT_EQ(e.actor.kind, PrincipalKind::workload);
  EXPECT_TRUE(e.actor.id.starts_with("github-workflow:"));
  ASSERT_EQ(e.chain.size(), 1u);
  EXPECT_EQ(e.chain[0].principal.id, "Codertocat");
  EXPECT_TRUE(e.reference.starts_with("github-run:"));
}

// Every octokit example payload: its kind recognised from its members (a
// payload does not carry its event name), its actor and its time.
TEST(Samples, GitHubWebhookExamplesNameActorAndTime) {
  struct Example {
    std::string file, action, actor;
    PrincipalKind kind;
    std::string time, reference;
  };
  const std::string codeql = "github-workflow:Codertocat/Hello-World:CodeQL";
  const std::vector<Example> examples = {
      {"workflow_job/completed.success.with-organization.payload.json", "github:workflow_job.completed", codeql,
       PrincipalKind::workload, "2021-08-05T10:38:16", "github-run:Codertocat/Hello-World/2202229078"},
      {"workflow_job/queued.payload.json", "github:workflow_job.queued", codeql, PrincipalKind::workload,
       "2021-09-13T02:21:13", "github-run:Codertocat/Hello-World/2202229078"},
      {"workflow_run/requested.payload.json", "github:workflow_run.requested",
       "github-workflow:octo-org/octo-repo:.github/workflows/test.yml", PrincipalKind::workload, "2020-10-05T16:33:24",
       "github-run:octo-org/octo-repo/289782451"},
      {"deployment_review/requested.payload.json", "github:deployment_review.requested", "ilmax", PrincipalKind::human,
       "2023-07-04T09:28:15", "github-run:terraform-test-github/sample-app/5453085689"},
      {"deployment_status/payload.json", "github:deployment_status.created", "Codertocat", PrincipalKind::human,
       "2019-05-15T15:20:55", ""},
      {"deployment/payload.json", "github:deployment.created", "Codertocat", PrincipalKind::human, "2019-05-15T15:20:53",
       ""},
      {"check_suite/requested.payload.json", "github:check_suite.requested", "Codertocat", PrincipalKind::human,
       "2019-05-15T15:20:33", ""},
      {"installation/created.payload.json", "github:installation.created", "Codertocat", PrincipalKind::human,
       "2019-05-15T15:19:51", ""},
      {"push/payload.json", "github:push", "Codertocat", PrincipalKind::human, "2019-05-15T15:20:57", ""},
      {"workflow_dispatch/payload.json", "github:workflow_dispatch", "Codertocat", PrincipalKind::human,
       "2018-10-10T15:58:51", ""},
      {"repository_dispatch/payload.json", "github:repository_dispatch.on-demand-test", "Codertocat",
       PrincipalKind::human, "2018-10-10T15:58:51", ""},
  };
  for (const auto& x : examples) {
    SCOPED_TRACE(x.file);
    const auto parsed = parse_file(SourceKind::github, sample("github/octokit_webhooks_payload-examples/" + x.file));
    ASSERT_EQ(parsed.events.size(), 1u);
    const auto& e = parsed.events[0];
    EXPECT_EQ(e.action, x.action);
    EXPECT_EQ(e.actor.id, x.actor);
    EXPECT_EQ(e.actor.kind, x.kind);
    EXPECT_EQ(core::format_timestamp(e.time), x.time + ".000000Z");
    EXPECT_EQ(e.reference, x.reference);
  }
  const auto dispatch = parse_file(SourceKind::github, sample("github/octokit_webhooks_payload-examples/workflow_dispatch/payload.json"));
  EXPECT_EQ(dispatch.events.at(0).category, core::EventCategory::request);
  const auto job = parse_file(SourceKind::github,
                              sample("github/octokit_webhooks_payload-examples/workflow_job/completed.success.with-organization.payload.json"));
  ASSERT_EQ(job.events.at(0).chain.size(), 1u);
  EXPECT_EQ(job.events[0].chain[0].relation, Relation::triggered_by);
  EXPECT_EQ(job.events[0].chain[0].principal.id, "Codertocat");
  EXPECT_EQ(job.events[0].result, core::EventResult::success);
}

}  // namespace
}  // namespace mandate::testing
