// AWS attack techniques, each shown by CloudTrail logs written for it in
// CloudTrail's own record format (tests/ingest/techniques/aws/README.md cites
// the API reference of each request parameter read): the rule fires, names
// its ATT&CK technique, the person behind the action (through an AssumeRole
// by a user, or a sourceIdentity), and its evidence by CloudTrail eventID.
// Look-alikes that are not the technique stay quiet. The Stratus Red Team
// detonation logs under ../shared/samples raise their technique too.
#include <gtest/gtest.h>

#include <algorithm>

#include "technique_support.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

constexpr std::string_view kAlice = "arn:aws:iam::111122223333:user/alice";
constexpr std::string_view kCarol = "carol";  // the ci-deploy sessions' sourceIdentity

const std::string kOps = "arn:aws:iam::111122223333:role/ops-automation";
const std::string kCi = "arn:aws:iam::111122223333:role/ci-deploy";
const std::string kWorker = "arn:aws:iam::111122223333:role/app-worker";
const std::string kAliceId(kAlice);
const std::string kBob = "arn:aws:iam::111122223333:user/bob";

bool maps_to(const analyze::Finding& f, std::string_view technique) {
  return std::any_of(f.rule->mappings.begin(), f.rule->mappings.end(),
                     [&](const auto& m) { return m.framework == "mitre-attack" && m.item == technique; });
}

// "cloudtrail:0f3f6a2e-<tag>-4c7b-9a55-<n>": the n-th record of a test log.
std::string event(std::string_view tag, int n) {
  std::string number = std::to_string(n);
  return "cloudtrail:0f3f6a2e-" + std::string(tag) + "-4c7b-9a55-" + std::string(12 - number.size(), '0') + number;
}

std::vector<std::string> events(std::string_view tag, int first, int last) {
  std::vector<std::string> out;
  for (int n = first; n <= last; ++n) out.push_back(event(tag, n));
  return out;
}

// What one rule must find in one log: who, which technique, on whose behalf,
// from which records.
struct Expected {
  std::string_view rule;
  std::string_view technique;
  std::string subject;
  std::vector<std::string> behind;
  std::vector<std::string> evidence;
};

class AwsTechniqueLog {
 public:
  explicit AwsTechniqueLog(const std::string& file)
      : findings_(technique_findings(SourceKind::cloudtrail, {"aws/" + file})) {}

  void expect(const Expected& x) const {
    SCOPED_TRACE(std::string(x.rule) + " / " + x.subject);
    const auto found = of_subject(x.rule, x.subject);
    ASSERT_EQ(found.size(), 1u) << "rule did not fire for this subject";
    const auto& f = found[0];
    EXPECT_TRUE(maps_to(f, x.technique)) << x.technique;
    EXPECT_EQ(f.behind, x.behind);
    EXPECT_EQ(f.evidence_source_ids, x.evidence);
    if (x.behind == std::vector<std::string>{x.subject}) {
      EXPECT_NE(f.explanation.find("A person acted directly."), std::string::npos) << f.explanation;
    } else if (!x.behind.empty()) {
      EXPECT_NE(f.explanation.find("On behalf of " + x.behind[0]), std::string::npos) << f.explanation;
    }
  }

  // A look-alike: the rule must not fire for this subject.
  void quiet(std::string_view rule, const std::string& subject) const {
    EXPECT_TRUE(of_subject(rule, subject).empty()) << rule << " fired for " << subject;
  }

  std::size_t count(std::string_view rule) const { return of_rule(findings_, rule).size(); }

  std::vector<analyze::Finding> of_subject(std::string_view rule, const std::string& subject) const {
    std::vector<analyze::Finding> out;
    for (const auto& f : of_rule(findings_, rule)) {
      if (f.subject == subject) out.push_back(f);
    }
    return out;
  }

 private:
  std::vector<analyze::Finding> findings_;
};

const std::vector<std::string> kByAlice{kAliceId};
const std::vector<std::string> kByCarol{std::string(kCarol)};
const std::vector<std::string> kByNobody{};

TEST(AwsTechniques, StoppedTrailNamesThePersonBehindTheRoleSession) {
  const auto found =
      of_rule(technique_findings(SourceKind::cloudtrail, {"aws/cloudtrail-stop.json"}), "aws.cloudtrail_stopped");
  ASSERT_EQ(found.size(), 1u);
  const auto& f = found[0];
  EXPECT_TRUE(maps_to(f, "T1562.008"));
  EXPECT_EQ(f.subject, kOps);
  // The role session's key was issued by alice's AssumeRole.
  EXPECT_EQ(f.behind, kByAlice);
  EXPECT_NE(f.explanation.find("On behalf of arn:aws:iam::111122223333:user/alice"), std::string::npos)
      << f.explanation;
  EXPECT_EQ(f.evidence_source_ids, std::vector<std::string>{"cloudtrail:0f3f6a2e-1111-4c7b-9a55-000000000002"});
}

TEST(AwsTechniques, TrailsFlowLogsAndDnsLogsBlindedAndTheOrganizationLeft) {
  const AwsTechniqueLog log("defense-evasion.json");
  log.expect({"aws.cloudtrail_blinded", "T1562.008", kOps, kByAlice, {event("1001", 2)}});
  log.expect({"aws.cloudtrail_blinded", "T1562.008", kWorker, kByNobody, {event("1001", 8)}});
  log.quiet("aws.cloudtrail_blinded", kBob);  // log file validation turned on
  log.expect({"aws.bucket_short_expiry", "T1485.001", kCi, kByCarol, {event("1001", 4)}});
  log.quiet("aws.bucket_short_expiry", kWorker);  // a 365-day rule
  log.expect({"aws.flow_logs_deleted", "T1562.008", kAliceId, kByAlice, {event("1001", 6)}});
  log.expect({"aws.dns_logging_deleted", "T1562.008", kAliceId, kByAlice, {event("1001", 7)}});
  // Refused, as in the Stratus detonation: the attempt is the finding.
  log.expect({"aws.organization_left", "T1666", kOps, kByAlice, {event("1001", 10)}});
  EXPECT_EQ(log.count("aws.cloudtrail_blinded"), 2u);  // not the selector that keeps management events
}

TEST(AwsTechniques, SnapshotsImagesAndBucketsSharedOutAndSecurityGroupsOpened) {
  const AwsTechniqueLog log("exfiltration.json");
  log.expect({"aws.ebs_snapshot_shared", "T1537", kAliceId, kByAlice, {event("2002", 2)}});
  log.quiet("aws.ebs_snapshot_shared", kWorker);  // a permission removed: shared with nobody
  log.expect({"aws.ami_shared", "T1537", kWorker, kByNobody, {event("2002", 4)}});
  log.expect({"aws.rds_snapshot_shared", "T1537", kAliceId, kByAlice, {event("2002", 5)}});
  log.quiet("aws.rds_snapshot_shared", kCi);  // shared with its own account
  log.expect({"aws.bucket_policy_opened", "T1537", kCi, kByCarol, {event("2002", 7)}});
  log.quiet("aws.bucket_policy_opened", kWorker);  // "*" fenced by aws:SourceVpce
  log.expect({"aws.security_group_opened", "T1562.007", kOps, kByAlice, {event("2002", 9)}});
  log.expect({"aws.security_group_opened", "T1562.007", kCi, kByCarol, {event("2002", 10)}});
  log.quiet("aws.security_group_opened", kWorker);  // 10.0.0.0/8
}

TEST(AwsTechniques, BackdoorRolesUsersKeysPasswordsFederationAndRolesAnywhere) {
  const AwsTechniqueLog log("persistence-iam.json");
  log.expect({"aws.role_trust_opened", "T1098", kAliceId, kByAlice, {event("3003", 2)}});
  log.quiet("aws.role_trust_opened", kWorker);  // trusts its own account only
  log.expect({"aws.role_trust_opened", "T1098", kCi, kByCarol, {event("3003", 4)}});
  log.expect({"aws.role_trust_opened", "T1098", kBob, {kBob}, {event("3003", 18)}});  // URL-encoded policy
  log.expect({"aws.access_key_for_other", "T1098.001", kAliceId, kByAlice, {event("3003", 5)}});
  log.quiet("aws.access_key_for_other", kBob);  // bob's own keys
  log.expect({"aws.login_profile_for_other", "T1098.001", kOps, kByAlice, {event("3003", 8)}});
  log.quiet("aws.login_profile_for_other", kBob);  // bob's own password
  // CreateUser then AttachUserPolicy AdministratorAccess on that user; the
  // evidence is the grant that completes it.
  log.expect({"aws.admin_user_created", "T1136.003", kCi, kByCarol, {event("3003", 11)}});
  log.quiet("aws.admin_user_created", kAliceId);  // dave existed before these logs
  // Both in one second, the grant written first: whichever the store reads
  // second completes the technique, once.
  const auto eve = log.of_subject("aws.admin_user_created", kWorker);
  ASSERT_EQ(eve.size(), 1u);
  EXPECT_EQ(eve[0].evidence_count, 1u);
  EXPECT_TRUE(eve[0].evidence_source_ids[0] == event("3003", 16) || eve[0].evidence_source_ids[0] == event("3003", 17));
  log.expect({"aws.federation_token", "T1098.001", kAliceId, kByAlice, {event("3003", 13)}});
  log.expect({"aws.roles_anywhere", "T1098.001", kAliceId, kByAlice, {event("3003", 14), event("3003", 15)}});
}

TEST(AwsTechniques, LambdaBackdoorsLayersAndCodeOverwrites) {
  const AwsTechniqueLog log("persistence-lambda.json");
  log.expect({"aws.lambda_permission_opened", "T1546", kAliceId, kByAlice, {event("4004", 2)}});
  log.quiet("aws.lambda_permission_opened", kWorker);  // S3 of its own account
  log.expect({"aws.lambda_permission_opened", "T1546", kCi, kByCarol, {event("4004", 4)}});
  log.expect({"aws.lambda_url_public", "T1546", kWorker, kByNobody, {event("4004", 5)}});
  log.quiet("aws.lambda_url_public", kAliceId);  // AuthType AWS_IAM
  log.expect({"aws.lambda_layer_added", "T1525", kOps, kByAlice, {event("4004", 7)}});
  log.quiet("aws.lambda_layer_added", kWorker);  // memory size only
  log.expect({"aws.lambda_code_updated", "T1525", kCi, kByCarol, {event("4004", 9)}});
}

TEST(AwsTechniques, SecretsParametersPasswordsAndUserDataRead) {
  const AwsTechniqueLog log("credential-access.json");
  log.expect({"aws.secrets_bulk_read", "T1555.006", kOps, kByAlice, events("5005", 2, 11)});
  log.quiet("aws.secrets_bulk_read", kWorker);  // 3 reads: below the burst of 10
  log.expect({"aws.secrets_batch_read", "T1555.006", kAliceId, kByAlice, {event("5005", 15)}});
  log.expect({"aws.ssm_parameters_bulk_read", "T1555.006", kCi, kByCarol, events("5005", 16, 20)});
  log.quiet("aws.ssm_parameters_bulk_read", kWorker);  // withDecryption false
  log.expect({"aws.ec2_password_data", "T1552", kAliceId, kByAlice, {event("5005", 27)}});
  log.expect({"aws.ec2_user_data_read", "T1552", kWorker, kByNobody, {event("5005", 28)}});
  log.quiet("aws.ec2_user_data_read", kAliceId);  // instanceType
}

TEST(AwsTechniques, CommandsSessionsKeysAndUnusualInstances) {
  const AwsTechniqueLog log("execution.json");
  log.expect({"aws.ec2_user_data_modified", "T1651", kAliceId, kByAlice, {event("6006", 2)}});
  log.quiet("aws.ec2_user_data_modified", kWorker);
  log.expect({"aws.ssm_command", "T1651", kOps, kByAlice, {event("6006", 4)}});
  log.expect({"aws.ssm_session", "T1651", kCi, kByCarol, {event("6006", 5)}});
  log.expect({"aws.instance_connect_key", "T1021.008", kAliceId, kByAlice, {event("6006", 6)}});
  log.expect({"aws.serial_console_key", "T1021.008", kWorker, kByNobody, {event("6006", 7)}});
  log.expect({"aws.unusual_instances", "T1496.001", kCi, kByCarol, {event("6006", 8), event("6006", 10)}});
  log.quiet("aws.unusual_instances", kAliceId);  // one t3.micro
  log.quiet("aws.unusual_instances", kWorker);   // refused t3.micro
  log.expect({"aws.instances_denied_burst", "T1496.001", kWorker, kByNobody, events("6006", 11, 15)});
  log.quiet("aws.instances_denied_burst", kBob);  // refused once
  log.expect({"aws.instances_launched_burst", "T1496.001", kOps, kByAlice, events("6006", 17, 26)});
  log.quiet("aws.instances_launched_burst", kAliceId);  // one launch
  log.quiet("aws.instances_launched_burst", kCi);       // two (large) launches: the other rule's
}

TEST(AwsTechniques, SignInWithoutMfaModelHijackingAndS3Ransomware) {
  const AwsTechniqueLog log("impact.json");
  log.expect({"aws.console_login_without_mfa", "T1078.004", kAliceId, kByAlice, {event("7007", 2)}});
  log.quiet("aws.console_login_without_mfa", kBob);           // with MFA; and a failed sign-in
  EXPECT_EQ(log.count("aws.console_login_without_mfa"), 1u);  // not the SSO sign-in either
  log.expect({"aws.s3_objects_deleted_burst", "T1485", kOps, kByAlice, events("7007", 6, 10)});
  log.quiet("aws.s3_objects_deleted_burst", kWorker);  // 4 batches: below 5
  auto deleted = events("7007", 15, 64);
  deleted.resize(20);  // the evidence limit
  log.expect({"aws.s3_object_deleted_burst", "T1485", kCi, kByCarol, deleted});
  log.expect({"aws.s3_versioning_suspended", "T1490", kAliceId, kByAlice, {event("7007", 65)}});
  log.quiet("aws.s3_versioning_suspended", kWorker);  // enabled
  log.expect({"aws.s3_customer_key_encryption", "T1486", kWorker, kByNobody, {event("7007", 67)}});
  log.quiet("aws.s3_customer_key_encryption", kAliceId);  // SSE-KMS
  log.expect({"aws.bedrock_access_enabled", "T1496.004", kWorker, kByNobody, {event("7007", 69)}});
  auto invoked = events("7007", 70, 169);
  invoked.resize(20);
  log.expect({"aws.bedrock_invoke_burst", "T1496.004", kWorker, kByNobody, invoked});
  log.quiet("aws.bedrock_invoke_burst", kAliceId);  // 20 invocations
}

TEST(AwsTechniques, InstanceCredentialsUsedOutsideTheirInstance) {
  const AwsTechniqueLog log("instance-credentials.json");
  // A second public address (the VPC endpoint's private one does not count).
  log.expect({"aws.instance_credentials_outside",
              "T1552.005",
              "arn:aws:iam::111122223333:role/web-instance-role",
              kByNobody,
              {event("8008", 3)}});
  // A program no instance runs.
  log.expect({"aws.instance_credentials_outside",
              "T1552.005",
              "arn:aws:iam::111122223333:role/batch-instance-role",
              kByNobody,
              {event("8008", 4)}});
  log.quiet("aws.instance_credentials_outside", "arn:aws:iam::111122223333:role/quiet-instance-role");
}

// ---- the Stratus Red Team detonation logs (../shared/samples) ----------------

std::vector<analyze::Finding> stratus(const std::string& technique) {
  // technique_log() joins under tests/ingest/techniques/; the shared samples
  // sit beside the repository (MANDATE_SHARED_DIR).
  return technique_findings(
      SourceKind::cloudtrail,
      {"../../../../shared/samples/cloudtrail/stratus-red-team_detonation-logs/" + technique + ".json"});
}

TEST(AwsTechniquesStratus, EachDetonationRaisesItsTechnique) {
  const struct {
    std::string technique;
    std::string_view rule;
    std::string_view attack;
  } cases[] = {
      {"aws.credential-access.ec2-steal-instance-credentials", "aws.instance_credentials_outside", "T1552.005"},
      {"aws.defense-evasion.organizations-leave", "aws.organization_left", "T1666"},
      {"aws.impact.bedrock-invoke-model", "aws.bedrock_access_enabled", "T1496.004"},
      {"aws.initial-access.console-login-without-mfa", "aws.console_login_without_mfa", "T1078.004"},
      {"aws.lateral-movement.ec2-serial-console-send-ssh-public-key", "aws.serial_console_key", "T1021.008"},
      {"aws.persistence.iam-create-user-login-profile", "aws.login_profile_for_other", "T1098.001"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.technique);
    const auto found = of_rule(stratus(c.technique), c.rule);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_TRUE(maps_to(found[0], c.attack));
  }
}

TEST(AwsTechniquesStratus, StolenInstanceCredentialsAreTheInstanceRolesAndTheCommandIsTheUsers) {
  const auto all = stratus("aws.credential-access.ec2-steal-instance-credentials");
  const auto stolen = of_rule(all, "aws.instance_credentials_outside");
  ASSERT_EQ(stolen.size(), 1u);
  EXPECT_EQ(stolen[0].subject, "arn:aws:iam::017622104382:role/stratus-red-team-ec2-steal-credentials-role");
  EXPECT_EQ(stolen[0].evidence_count, 2u);  // GetCallerIdentity, DescribeInstances
  const auto command = of_rule(all, "aws.ssm_command");
  ASSERT_EQ(command.size(), 1u);
  EXPECT_EQ(command[0].evidence_count, 1u);
}

TEST(AwsTechniquesStratus, LeavingTheOrganizationNamesTheUserWhoAssumedTheRole) {
  const auto found = of_rule(stratus("aws.defense-evasion.organizations-leave"), "aws.organization_left");
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(found[0].behind.size(), 1u);
  EXPECT_NE(found[0].behind[0].find(":user/"), std::string::npos) << found[0].behind[0];
}

TEST(AwsTechniquesStratus, AnIdentityCenterSessionNamesThePersonNotThePermissionSetRole) {
  const auto found =
      of_rule(stratus("aws.lateral-movement.ec2-serial-console-send-ssh-public-key"), "aws.serial_console_key");
  ASSERT_EQ(found.size(), 1u);
  // The actor is the shared AWSReservedSSO_ role; the person is the session's.
  EXPECT_NE(found[0].subject.find("AWSReservedSSO_account-admin"), std::string::npos);
  EXPECT_EQ(found[0].behind, std::vector<std::string>{"randomca0L529zwNAY@gmail.com"});
  EXPECT_NE(found[0].explanation.find("On behalf of randomca0L529zwNAY@gmail.com"), std::string::npos)
      << found[0].explanation;
}

// OTRF's ec2_proxy_s3_exfiltration: an instance role's keys taken through a
// misconfigured reverse proxy and used with the AWS CLI from a Mac (the
// addresses are sanitised to 1.2.3.4, so only the program tells).
TEST(AwsTechniquesOtrf, InstanceCredentialsTakenThroughAProxyAreUsedFromAMac) {
  const auto found = of_rule(technique_findings(SourceKind::cloudtrail,
                                                {"../../../../shared/samples/cloudtrail/otrf_ec2_proxy_s3_exfiltration/"
                                                 "ec2_proxy_s3_exfiltration_2020-09-14011940.json"}),
                             "aws.instance_credentials_outside");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].subject.find(":role/MordorNginxStack-BankingWAFRole-"), std::string::npos) << found[0].subject;
  EXPECT_EQ(found[0].evidence_count, 11u);  // every call of the session i-0317f6c6b66ae9c40
  EXPECT_TRUE(found[0].behind.empty());
}

}  // namespace
}  // namespace mandate::testing
