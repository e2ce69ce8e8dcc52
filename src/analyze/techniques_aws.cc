// AWS attack techniques, after the public Stratus Red Team catalogue
// (https://stratus-red-team.cloud/attack-techniques/AWS/). The signals are
// set by the CloudTrail parser (src/ingest/cloudtrail_signals.cc), which
// names the request parameters each one reads; the two that need more than
// one event ("instance_credentials_outside", "admin_user_created") are set by
// src/analyze/aws_sequences.cc. ATT&CK ids and names: ATT&CK v18.1
// (tests/analyze/data/attack_techniques.tsv).
#include <array>

#include "analyze/techniques.h"

namespace mandate::analyze {
namespace {

constexpr std::string_view kAttack = "mitre-attack";
constexpr std::string_view kNhi = "owasp-nhi-2025";
constexpr std::string_view kCsf = "nist-csf-2.0";
constexpr std::string_view kAi = "nist-ai-rmf-1.0";

using Map2 = std::array<FrameworkRef, 2>;
using Map3 = std::array<FrameworkRef, 3>;

constexpr Map3 kImpairLogging{{{kAttack, "T1562.008"}, {kCsf, "PR.PS-04"}, {kCsf, "DE.CM-09"}}};
constexpr Map3 kLifecycleDeletion{{{kAttack, "T1485.001"}, {kAttack, "T1562.008"}, {kCsf, "PR.PS-04"}}};
constexpr Map3 kLeaveOrganization{{{kAttack, "T1666"}, {kCsf, "PR.PS-04"}, {kCsf, "DE.CM-09"}}};
constexpr Map3 kShareOut{{{kAttack, "T1537"}, {kNhi, "NHI6"}, {kCsf, "PR.AA-05"}}};
constexpr Map3 kFirewall{{{kAttack, "T1562.007"}, {kNhi, "NHI6"}, {kCsf, "PR.AA-05"}}};
constexpr Map3 kTrustOpened{{{kAttack, "T1098"}, {kNhi, "NHI5"}, {kCsf, "PR.AA-05"}}};
constexpr Map3 kExtraCredential{{{kAttack, "T1098.001"}, {kNhi, "NHI7"}, {kCsf, "PR.AA-01"}}};
constexpr Map3 kCertificateTrust{{{kAttack, "T1098.001"}, {kCsf, "PR.AA-02"}, {kCsf, "PR.AA-01"}}};
constexpr Map3 kCloudAccount{{{kAttack, "T1136.003"}, {kNhi, "NHI5"}, {kCsf, "PR.AA-05"}}};
constexpr Map3 kFunctionTrigger{{{kAttack, "T1546"}, {kNhi, "NHI6"}, {kCsf, "PR.AA-05"}}};
constexpr Map2 kFunctionImplant{{{kAttack, "T1525"}, {kCsf, "DE.CM-09"}}};
constexpr Map3 kSecretsStore{{{kAttack, "T1555.006"}, {kNhi, "NHI2"}, {kCsf, "DE.CM-03"}}};
constexpr Map2 kUnsecuredCredentials{{{kAttack, "T1552"}, {kNhi, "NHI2"}}};
constexpr Map2 kAdminCommand{{{kAttack, "T1651"}, {kCsf, "DE.CM-03"}}};
constexpr Map3 kVmConnection{{{kAttack, "T1021.008"}, {kAttack, "T1098.004"}, {kCsf, "PR.AA-03"}}};
constexpr Map2 kComputeHijack{{{kAttack, "T1496.001"}, {kCsf, "DE.CM-09"}}};
constexpr Map2 kCloudAccountLogin{{{kAttack, "T1078.004"}, {kCsf, "PR.AA-03"}}};
constexpr Map3 kModelHijack{{{kAttack, "T1496.004"}, {kCsf, "DE.CM-09"}, {kAi, "MANAGE 4.1"}}};
constexpr Map2 kDestruction{{{kAttack, "T1485"}, {kCsf, "DE.CM-09"}}};
constexpr Map2 kRecoveryInhibited{{{kAttack, "T1490"}, {kCsf, "DE.CM-09"}}};
constexpr Map2 kEncryptedForImpact{{{kAttack, "T1486"}, {kCsf, "DE.CM-09"}}};
constexpr Map3 kInstanceCredentials{{{kAttack, "T1552.005"}, {kNhi, "NHI2"}, {kCsf, "DE.CM-09"}}};

// Burst thresholds, per identity. Programs read their secrets once at start
// and cache them (the Secrets Manager and Parameter Store clients do);
// harvesting reads everything it can list, fast: the Stratus detonations read
// 20 secrets in 4 seconds and 40 parameters in 5 GetParameters calls.
constexpr int kSecretBurst = 10, kSecretWindow = 5;
constexpr int kParameterBurst = 5, kParameterWindow = 10;
// One DeleteObjects call removes up to 1,000 objects; several in a row is a
// bucket being emptied. Single DeleteObject calls count one object each.
constexpr int kBatchDeleteBurst = 5, kBatchDeleteWindow = 10;
constexpr int kDeleteBurst = 50, kDeleteWindow = 5;
// RunInstances refused again and again: someone feeling for compute quota.
constexpr int kDeniedLaunchBurst = 5, kDeniedLaunchWindow = 10;
// Ten launch calls in ten minutes by one identity of its own accord (Auto
// Scaling's launches are the service's, invokedBy, and not counted).
constexpr int kLaunchBurst = 10, kLaunchWindow = 10;
// A model invoked a hundred times in ten minutes by one identity: resale of
// stolen model access ("LLMjacking") runs far above this.
constexpr int kModelBurst = 100, kModelWindow = 10;

constexpr std::array<TechniqueRule, 42> kTechniques{{
    // Defense evasion: logging stopped or blinded.
    {{"aws.cloudtrail_stopped", "CloudTrail logging stopped or a trail deleted", Severity::critical,
      "Restart logging or restore the trail; find who holds cloudtrail:StopLogging / DeleteTrail and why.", kImpairLogging},
     "cloudtrail_stopped", 1, 0, "stopped or deleted a CloudTrail trail"},
    {{"aws.cloudtrail_blinded", "A CloudTrail trail told to record less", Severity::critical,
      "Restore the trail's event selectors, regions and bucket; restrict cloudtrail:PutEventSelectors and UpdateTrail.",
      kImpairLogging},
     "cloudtrail_blinded", 1, 0,
     "changed a trail so it records no management events, one region only, no global events, or into another bucket"},
    {{"aws.bucket_short_expiry", "An S3 lifecycle rule deleting a bucket's objects within a week", Severity::high,
      "Check whether the bucket holds logs (a trail's bucket); remove the rule and protect log buckets with Object Lock.",
      kLifecycleDeletion},
     "bucket_short_expiry", 1, 0, "set a lifecycle rule that deletes a bucket's objects within 7 days"},
    {{"aws.flow_logs_deleted", "VPC flow logs deleted", Severity::high,
      "Recreate the flow logs; restrict ec2:DeleteFlowLogs to the network team's pipeline.", kImpairLogging},
     "flow_logs_deleted", 1, 0, "called DeleteFlowLogs"},
    {{"aws.dns_logging_deleted", "Route 53 Resolver DNS query logging deleted or detached", Severity::high,
      "Recreate the query log configuration and its VPC associations; restrict route53resolver:Delete*QueryLogConfig.",
      kImpairLogging},
     "dns_logging_deleted", 1, 0, "deleted or detached Route 53 Resolver query logging"},
    {{"aws.organization_left", "An account asked to leave its AWS Organization", Severity::critical,
      "Deny organizations:LeaveOrganization by SCP; if the account left, its organization trail and SCPs no longer apply.",
      kLeaveOrganization},
     "organization_left", 1, 0, "called LeaveOrganization"},
    // Exfiltration: data shared with other accounts or the world.
    {{"aws.ebs_snapshot_shared", "An EBS snapshot shared with another account or made public", Severity::high,
      "Remove the createVolumePermission; check whether the other account copied the snapshot.", kShareOut},
     "ebs_snapshot_shared", 1, 0, "shared an EBS snapshot outside the account"},
    {{"aws.ami_shared", "An AMI shared with another account or made public", Severity::high,
      "Remove the launchPermission; enable the account's block on public AMI sharing.", kShareOut},
     "ami_shared", 1, 0, "shared an AMI outside the account"},
    {{"aws.rds_snapshot_shared", "An RDS snapshot shared with another account or made public", Severity::high,
      "Remove the restore attribute's added accounts; check whether they copied the snapshot.", kShareOut},
     "rds_snapshot_shared", 1, 0, "shared an RDS snapshot outside the account"},
    {{"aws.bucket_policy_opened", "An S3 bucket policy letting in another account or anyone", Severity::high,
      "Restore the bucket policy; keep S3 Block Public Access on and list the accounts a bucket may trust.", kShareOut},
     "bucket_policy_opened", 1, 0, "wrote a bucket policy that lets in another account or anyone"},
    {{"aws.security_group_opened", "A security group opened to the whole internet (0.0.0.0/0 or ::/0)", Severity::high,
      "Revoke the rule; reach instances through SSM Session Manager or a bastion on known addresses.", kFirewall},
     "security_group_opened", 1, 0, "opened a security group to 0.0.0.0/0 or ::/0"},
    // Persistence: ways back in.
    {{"aws.role_trust_opened", "A role made assumable by another account or anyone", Severity::critical,
      "Restore the trust policy; trust other accounts only with an external id and a named role.", kTrustOpened},
     "role_trust_opened", 1, 0, "wrote a role trust policy that lets another account or anyone assume the role"},
    {{"aws.access_key_for_other", "An access key created for another IAM user", Severity::high,
      "Delete the key unless its user asked for it; let users create only their own keys (iam:CreateAccessKey on ${aws:username}).",
      kExtraCredential},
     "access_key_for_other", 1, 0, "created an access key for another IAM user"},
    {{"aws.login_profile_for_other", "A console password set for another IAM user", Severity::high,
      "Delete the login profile or reset it with the user; machine users need no console password.", kExtraCredential},
     "login_profile_for_other", 1, 0, "created or changed another IAM user's console password"},
    {{"aws.admin_user_created", "An IAM user created and given administrator rights", Severity::critical,
      "Delete the user unless a ticket asked for it; administrators should be roles reached through SSO.", kCloudAccount},
     "admin_user_created", 1, 0, "created an IAM user and gave it administrator rights"},
    {{"aws.lambda_permission_opened", "A Lambda function made invocable by another account or anyone", Severity::high,
      "Remove the statement from the function's resource policy; name source accounts and ARNs.", kFunctionTrigger},
     "lambda_permission_opened", 1, 0, "let another account or anyone invoke a Lambda function"},
    {{"aws.lambda_url_public", "A Lambda function URL without authentication", Severity::high,
      "Set the function URL's AuthType to AWS_IAM or delete it.", kFunctionTrigger},
     "lambda_url_public", 1, 0, "gave a Lambda function a public URL (AuthType NONE)"},
    {{"aws.lambda_layer_added", "A layer added to a Lambda function", Severity::medium,
      "Check the layer's publisher and content; only the deployment pipeline should change a function's layers.",
      kFunctionImplant},
     "lambda_layer_added", 1, 0, "added a layer to a Lambda function"},
    {{"aws.lambda_code_updated", "A Lambda function's code replaced", Severity::medium,
      "Compare the code with the pipeline's build; only the deployment pipeline should call UpdateFunctionCode.",
      kFunctionImplant},
     "lambda_code_updated", 1, 0, "replaced a Lambda function's code"},
    {{"aws.federation_token", "A federation token obtained with a long-lived key", Severity::medium,
      "Federation tokens outlive the key that made them (up to 36 hours): revoke the user's sessions if unexpected.",
      kExtraCredential},
     "federation_token", 1, 0, "obtained a federation token (GetFederationToken)"},
    {{"aws.roles_anywhere", "An IAM Roles Anywhere trust anchor or profile created", Severity::high,
      "Check whose certificate authority the trust anchor trusts; delete it if nobody owns it.", kCertificateTrust},
     "roles_anywhere", 1, 0, "created an IAM Roles Anywhere trust anchor or profile"},
    // Credential access.
    {{"aws.secrets_bulk_read", "Many Secrets Manager secrets read in a burst", Severity::high,
      "Rotate the secrets read; give each workload read access to its own secrets only.", kSecretsStore},
     "secret_read", kSecretBurst, kSecretWindow, "read Secrets Manager secrets (GetSecretValue)"},
    {{"aws.secrets_batch_read", "Secrets read in batches (BatchGetSecretValue)", Severity::medium,
      "Check which secrets the batch returned; rotate them if the caller should not hold them.", kSecretsStore},
     "secrets_batch_read", 1, 0, "read secrets in batches (BatchGetSecretValue)"},
    {{"aws.ssm_parameters_bulk_read", "SSM parameters read decrypted in a burst", Severity::high,
      "Rotate the SecureString parameters read; scope ssm:GetParameter* and kms:Decrypt to each workload's path.",
      kSecretsStore},
     "ssm_parameter_decrypted", kParameterBurst, kParameterWindow, "read SSM parameters with decryption"},
    {{"aws.ec2_password_data", "An EC2 Windows administrator password retrieved", Severity::high,
      "Rotate the instance's local administrator password; restrict ec2:GetPasswordData.", kUnsecuredCredentials},
     "ec2_password_data", 1, 0, "called GetPasswordData"},
    {{"aws.ec2_user_data_read", "EC2 user data read (it often holds secrets)", Severity::medium,
      "Move secrets out of user data into Secrets Manager; restrict ec2:DescribeInstanceAttribute.", kUnsecuredCredentials},
     "ec2_user_data_read", 1, 0, "read EC2 instance user data"},
    // Execution and lateral movement.
    {{"aws.ec2_user_data_modified", "EC2 user data changed (runs as root at the next start)", Severity::high,
      "Compare the user data with the launch template; restrict ec2:ModifyInstanceAttribute.", kAdminCommand},
     "ec2_user_data_modified", 1, 0, "changed an EC2 instance's user data"},
    {{"aws.ssm_command", "A command run on instances through SSM SendCommand", Severity::medium,
      "Confirm the command was sanctioned (its output is in SSM); restrict ssm:SendCommand to named documents.",
      kAdminCommand},
     "ssm_command", 1, 0, "ran a command on instances with SSM SendCommand"},
    {{"aws.ssm_session", "An interactive shell opened on an instance (SSM StartSession)", Severity::medium,
      "Confirm the session was sanctioned; keep Session Manager logging on and restrict ssm:StartSession.", kAdminCommand},
     "ssm_session", 1, 0, "opened an SSM session on an instance"},
    {{"aws.instance_connect_key", "An SSH key pushed to an instance (EC2 Instance Connect)", Severity::medium,
      "Confirm the connection was sanctioned; restrict ec2-instance-connect:SendSSHPublicKey by instance and OS user.",
      kVmConnection},
     "instance_connect_key", 1, 0, "pushed an SSH key with EC2 Instance Connect"},
    {{"aws.serial_console_key", "An SSH key pushed to an instance's serial console", Severity::high,
      "Disable serial console access unless an instance is being rescued; restrict SendSerialConsoleSSHPublicKey.",
      kVmConnection},
     "serial_console_key", 1, 0, "pushed an SSH key to an EC2 serial console"},
    {{"aws.unusual_instances", "GPU, very large or many EC2 instances launched", Severity::high,
      "Terminate instances nobody owns; cap GPU and large-instance quotas and deny their types by SCP where unused.",
      kComputeHijack},
     "unusual_instances", 1, 0, "asked for GPU, very large, or 10 or more EC2 instances at once"},
    {{"aws.instances_denied_burst", "EC2 launches refused again and again", Severity::medium,
      "Find out what the identity tried to launch and why; it may be probing for compute to hijack.", kComputeHijack},
     "instances_denied", kDeniedLaunchBurst, kDeniedLaunchWindow, "was refused RunInstances"},
    {{"aws.instances_launched_burst", "Many EC2 launches in a burst", Severity::medium,
      "Check what the instances run and who owns them; scaling should be Auto Scaling's, not an identity's own calls.",
      kComputeHijack},
     "instances_launched", kLaunchBurst, kLaunchWindow, "launched EC2 instances (RunInstances)"},
    {{"aws.instance_credentials_outside", "An EC2 instance's role credentials used outside the instance", Severity::critical,
      "Revoke the role's sessions (AWSRevokeOlderSessions), require IMDSv2 on the instance, and find how they left it.",
      kInstanceCredentials},
     "instance_credentials_outside", 1, 0,
     "used an instance's role credentials from a second address or with a program no instance runs"},
    // Initial access and impact.
    {{"aws.console_login_without_mfa", "A console sign-in without MFA", Severity::medium,
      "Require MFA for every IAM user with a console password (or move people to SSO).", kCloudAccountLogin},
     "console_login_without_mfa", 1, 0, "signed in to the console without MFA"},
    {{"aws.bedrock_access_enabled", "Bedrock model access enabled", Severity::medium,
      "Check who asked for model access and why; unused model access is what stolen keys are resold for.", kModelHijack},
     "bedrock_access_enabled", 1, 0, "enabled access to a Bedrock model"},
    {{"aws.bedrock_invoke_burst", "Bedrock models invoked in a burst", Severity::medium,
      "Compare with the identity's usual use; revoke its keys if it does not run an AI workload.", kModelHijack},
     "bedrock_invoked", kModelBurst, kModelWindow, "invoked Bedrock models"},
    {{"aws.s3_objects_deleted_burst", "S3 objects deleted in bulk", Severity::high,
      "Check versioning and backups of the bucket; restrict s3:DeleteObject and require MFA delete on critical buckets.",
      kDestruction},
     "s3_objects_deleted", kBatchDeleteBurst, kBatchDeleteWindow, "deleted S3 objects in batches (DeleteObjects)"},
    {{"aws.s3_object_deleted_burst", "S3 objects deleted one by one in a burst", Severity::high,
      "Check versioning and backups of the bucket; restrict s3:DeleteObject and require MFA delete on critical buckets.",
      kDestruction},
     "s3_object_deleted", kDeleteBurst, kDeleteWindow, "deleted S3 objects (DeleteObject)"},
    {{"aws.s3_versioning_suspended", "S3 versioning suspended on a bucket", Severity::high,
      "Re-enable versioning; deny s3:PutBucketVersioning except to the storage team.", kRecoveryInhibited},
     "s3_versioning_suspended", 1, 0, "suspended versioning on an S3 bucket"},
    {{"aws.s3_customer_key_encryption", "S3 objects rewritten with a customer-provided key (SSE-C)", Severity::critical,
      "Objects encrypted with a key AWS never stores are lost without it: block SSE-C by bucket policy and restore from versions.",
      kEncryptedForImpact},
     "s3_customer_key_encryption", 1, 0, "wrote S3 objects encrypted with a customer-provided key (SSE-C)"},
}};

}  // namespace

std::span<const TechniqueRule> aws_techniques() { return kTechniques; }

}  // namespace mandate::analyze
