// What a CloudTrail record shows beyond who did what: privileges granted,
// and the attack techniques of src/analyze/techniques_aws.cc (after the
// Stratus Red Team catalogue), each read from the record's own request and
// response parameters as the AWS API references document them.
//
// Every read here goes through JsonReader::node and checks the type itself:
// a parameter of an unexpected shape means "not this technique", never a
// refused record (JsonReader::text would refuse it).
#include <array>
#include <charconv>
#include <optional>
#include <system_error>

#include "ingest/internal/signals.h"

namespace mandate::ingest {
namespace {

using simdjson::dom::element;
using Node = std::optional<element>;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string_view str(const Node& n) {
  std::string_view s;
  if (n && n->get_string().get(s) == simdjson::SUCCESS) return s;
  return {};
}

Node child(const Node& n, std::string_view key) {
  element v;
  if (!n || !n->is_object() || n->at_key(key).get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

bool is_true(const Node& n) {
  bool b = false;
  return n && n->get_bool().get(b) == simdjson::SUCCESS && b;
}

bool is_false(const Node& n) {
  bool b = true;
  return n && n->get_bool().get(b) == simdjson::SUCCESS && !b;
}

// A number written as a number or as a string (S3's XML-born parameters).
std::optional<std::int64_t> number(const Node& n) {
  std::int64_t v = 0;
  if (n && n->get_int64().get(v) == simdjson::SUCCESS) return v;
  const std::string_view s = str(n);
  if (!s.empty() && std::from_chars(s.data(), s.data() + s.size(), v).ec == std::errc{}) return v;
  return std::nullopt;
}

// Calls f on each element of an array, or on the one value when AWS wrote a
// single object where a list may stand (S3's Rule, IAM's Statement).
template <class F>
void each(const Node& n, F&& f) {
  if (!n) return;
  simdjson::dom::array a;
  if (n->get_array().get(a) == simdjson::SUCCESS) {
    for (const element x : a) f(Node(x));
  } else {
    f(n);
  }
}

// EC2's query-API lists are written {"items": [...]}.
template <class F>
void each_item(const Node& list, F&& f) {
  each(child(list, "items"), f);
}

void mark(core::AuditEvent& e, std::string_view signal) { e.signals.emplace_back(signal); }

// ---- who a policy or permission lets in -------------------------------------

enum class Opening { none, external, anyone };

Opening wider(Opening a, Opening b) { return a > b ? a : b; }

// "arn:aws:iam::123456789012:root" or "123456789012" -> the account.
std::string_view account_of(std::string_view principal) {
  if (!principal.starts_with("arn:")) return principal;
  std::size_t at = 0;
  for (int colon = 0; colon < 4 && at != std::string_view::npos; ++colon) at = principal.find(':', at + 1);
  if (at == std::string_view::npos) return {};
  const auto end = principal.find(':', at + 1);
  return principal.substr(at + 1, end == std::string_view::npos ? std::string_view::npos : end - at - 1);
}

// One AWS principal ("*", an account id, an ARN) against the caller's account.
Opening principal_opening(std::string_view principal, std::string_view own, bool conditioned) {
  if (principal == "*") return conditioned ? Opening::none : Opening::anyone;
  const std::string_view account = account_of(principal);
  return !account.empty() && !own.empty() && account != own ? Opening::external : Opening::none;
}

// An IAM policy document (trust or resource policy), as an object: "*" only
// counts without a Condition, since aws:PrincipalOrgID / aws:SourceVpce
// conditions are how a "*" is fenced in legitimately.
Opening policy_opening(const Node& policy, std::string_view own) {
  Opening out = Opening::none;
  each(child(policy, "Statement"), [&](const Node& s) {
    if (str(child(s, "Effect")) != "Allow") return;
    const bool conditioned = child(s, "Condition").has_value();
    const Node principal = child(s, "Principal");
    if (str(principal) == "*") out = wider(out, principal_opening("*", own, conditioned));
    each(child(principal, "AWS"),
         [&](const Node& p) { out = wider(out, principal_opening(str(p), own, conditioned)); });
  });
  return out;
}

// "%7B%22Version%22…" -> "{\"Version\"…"; bad escapes are kept as they are.
std::string url_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

// IAM writes policy documents as JSON text inside the record (URL-encoded
// in older records).
Opening policy_text_opening(std::string_view text, std::string_view own) {
  if (text.empty()) return Opening::none;
  const std::string decoded = text.starts_with('%') ? url_decoded(text) : std::string(text);
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(simdjson::padded_string(decoded)).get(doc) != simdjson::SUCCESS) return Opening::none;
  return policy_opening(Node(doc), own);
}

Opening policy_node_opening(const Node& n, std::string_view own) {
  return n && n->is_string() ? policy_text_opening(str(n), own) : policy_opening(n, own);
}

// EC2 sharing lists: items of {"userId": "…"} or {"group": "all"}.
Opening sharing_opening(const Node& added, std::string_view own) {
  Opening out = Opening::none;
  each_item(added, [&](const Node& item) {
    if (str(child(item, "group")) == "all") out = Opening::anyone;
    const std::string_view user = str(child(item, "userId"));
    if (!user.empty() && user != own) out = wider(out, Opening::external);
    if (!str(child(item, "organizationArn")).empty() || !str(child(item, "organizationalUnitArn")).empty()) {
      out = wider(out, Opening::external);
    }
  });
  return out;
}

// ---- logging impaired (T1562.008, T1485.001, T1666) -------------------------

// PutEventSelectors (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html):
// blinded when no selector records management events any more.
bool selectors_drop_management(JsonReader& r) {
  const Node basic = r.node("/requestParameters/eventSelectors");
  const Node advanced = r.node("/requestParameters/advancedEventSelectors");
  if (!basic && !advanced) return false;
  bool management = false;
  each(basic, [&](const Node& s) {
    management =
        management || (is_true(child(s, "includeManagementEvents")) && str(child(s, "readWriteType")) != "None");
  });
  each(advanced, [&](const Node& s) {
    each(child(s, "fieldSelectors"), [&](const Node& f) {
      if (str(child(f, "field")) != "eventCategory") return;
      each(child(f, "equals"), [&](const Node& v) { management = management || str(v) == "Management"; });
    });
  });
  return !management;
}

// UpdateTrail (API_UpdateTrail.html): one region only, global services
// (IAM, STS) left out, or the logs sent to another bucket.
bool trail_narrowed(JsonReader& r) {
  return is_false(r.node("/requestParameters/isMultiRegionTrail")) ||
         is_false(r.node("/requestParameters/includeGlobalServiceEvents")) ||
         !str(r.node("/requestParameters/s3BucketName")).empty();
}

// PutBucketLifecycle as CloudTrail logs it: LifecycleConfiguration.Rule is an
// object or a list; an enabled rule expiring objects within a week empties
// the bucket (Stratus: a trail's bucket, one day).
constexpr std::int64_t kShortExpiryDays = 7;

bool short_expiry(JsonReader& r) {
  bool found = false;
  each(r.node("/requestParameters/LifecycleConfiguration/Rule"), [&](const Node& rule) {
    if (str(child(rule, "Status")) != "Enabled") return;
    const auto days = number(child(child(rule, "Expiration"), "Days"));
    found = found || (days && *days <= kShortExpiryDays);
  });
  return found;
}

void logging_impaired(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (name == "StopLogging" || name == "DeleteTrail") mark(e, "cloudtrail_stopped");
  if ((name == "PutEventSelectors" && selectors_drop_management(r)) || (name == "UpdateTrail" && trail_narrowed(r))) {
    mark(e, "cloudtrail_blinded");
  }
  if (name == "PutBucketLifecycle" && short_expiry(r)) mark(e, "bucket_short_expiry");
  if (name == "DeleteFlowLogs") mark(e, "flow_logs_deleted");
  if (name == "DeleteResolverQueryLogConfig" || name == "DisassociateResolverQueryLogConfig")
    mark(e, "dns_logging_deleted");
  if (name == "LeaveOrganization") mark(e, "organization_left");
}

// ---- data shared out (T1537), firewalls opened (T1562.007) ------------------

void shared_out(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  const std::string_view own = e.account;
  // ModifySnapshotAttribute: createVolumePermission.add.items[].userId / group.
  if (name == "ModifySnapshotAttribute" &&
      sharing_opening(r.node("/requestParameters/createVolumePermission/add"), own) != Opening::none) {
    mark(e, "ebs_snapshot_shared");
  }
  // ModifyImageAttribute: launchPermission.add.items[].userId / group.
  if (name == "ModifyImageAttribute" &&
      sharing_opening(r.node("/requestParameters/launchPermission/add"), own) != Opening::none) {
    mark(e, "ami_shared");
  }
  // ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute: attributeName
  // "restore", valuesToAdd of account ids or "all".
  if ((name == "ModifyDBSnapshotAttribute" || name == "ModifyDBClusterSnapshotAttribute") &&
      str(r.node("/requestParameters/attributeName")) == "restore") {
    bool out = false;
    each(r.node("/requestParameters/valuesToAdd"),
         [&](const Node& v) { out = out || (str(v) == "all" || str(v) != own); });
    if (out) mark(e, "rds_snapshot_shared");
  }
  // PutBucketPolicy: the policy is an object under bucketPolicy.
  if (name == "PutBucketPolicy" &&
      policy_node_opening(r.node("/requestParameters/bucketPolicy"), own) != Opening::none) {
    mark(e, "bucket_policy_opened");
  }
}

bool world_cidr(std::string_view cidr) { return cidr.ends_with("/0"); }

// AuthorizeSecurityGroupIngress (API_AuthorizeSecurityGroupIngress.html):
// ipPermissions.items[].ipRanges.items[].cidrIp / ipv6Ranges.items[].cidrIpv6,
// or the older single-rule form with cidrIp at the top.
bool opened_to_world(JsonReader& r) {
  bool world = world_cidr(str(r.node("/requestParameters/cidrIp")));
  each_item(r.node("/requestParameters/ipPermissions"), [&](const Node& p) {
    each_item(child(p, "ipRanges"),
              [&](const Node& range) { world = world || world_cidr(str(child(range, "cidrIp"))); });
    each_item(child(p, "ipv6Ranges"),
              [&](const Node& range) { world = world || world_cidr(str(child(range, "cidrIpv6"))); });
  });
  return world;
}

// ---- persistence: roles, users, keys, functions -----------------------------

// The IAM user a request names, when it is not the caller.
bool for_another_user(JsonReader& r) {
  const std::string_view target = str(r.node("/requestParameters/userName"));
  if (target.empty()) return false;  // the caller's own key or password
  const std::string_view type = str(r.node("/userIdentity/type"));
  return type != "IAMUser" || str(r.node("/userIdentity/userName")) != target;
}

// IAM user events name the user; the event's resource becomes its ARN so the
// analyzer can follow one user from CreateUser to its policies.
void name_iam_user(JsonReader& r, core::AuditEvent& e) {
  const std::string_view user = str(r.node("/requestParameters/userName"));
  if (user.empty() || !e.resource.empty() || e.account.empty()) return;
  e.resource = "arn:aws:iam::" + e.account + ":user/" + std::string(user);
}

void iam_persistence(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  const std::string_view own = e.account;
  if (name == "CreateUser" || name == "AttachUserPolicy" || name == "PutUserPolicy" || name == "CreateAccessKey" ||
      name == "CreateLoginProfile" || name == "UpdateLoginProfile") {
    name_iam_user(r, e);
  }
  if (name == "CreateUser") mark(e, "iam_user_created");
  if (name == "CreateAccessKey" && for_another_user(r)) mark(e, "access_key_for_other");
  if ((name == "CreateLoginProfile" || name == "UpdateLoginProfile") && for_another_user(r))
    mark(e, "login_profile_for_other");
  // CreateRole.assumeRolePolicyDocument, UpdateAssumeRolePolicy.policyDocument.
  const Node trust = name == "CreateRole"               ? r.node("/requestParameters/assumeRolePolicyDocument")
                     : name == "UpdateAssumeRolePolicy" ? r.node("/requestParameters/policyDocument")
                                                        : Node();
  if (trust && policy_node_opening(trust, own) != Opening::none) mark(e, "role_trust_opened");
  if (name == "GetFederationToken") mark(e, "federation_token");
  if (e.action == "rolesanywhere:CreateTrustAnchor" || e.action == "rolesanywhere:CreateProfile")
    mark(e, "roles_anywhere");
}

// Lambda's eventNames carry the API version: AddPermission20150331v2,
// CreateFunctionUrlConfig20211031, UpdateFunctionCode20150331v2.
void lambda_persistence(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (!e.action.starts_with("lambda:")) return;
  if (name.starts_with("AddPermission")) {
    const std::string_view principal = str(r.node("/requestParameters/principal"));
    if (!contains(principal, ".amazonaws.com") && principal_opening(principal, e.account, false) != Opening::none) {
      mark(e, "lambda_permission_opened");
    }
  }
  if ((name.starts_with("CreateFunctionUrlConfig") || name.starts_with("UpdateFunctionUrlConfig")) &&
      str(r.node("/requestParameters/authType")) == "NONE") {
    mark(e, "lambda_url_public");
  }
  if (name.starts_with("UpdateFunctionConfiguration")) {
    bool layers = false;
    each(r.node("/requestParameters/layers"), [&](const Node& l) { layers = layers || !str(l).empty(); });
    if (layers) mark(e, "lambda_layer_added");
  }
  if (name.starts_with("UpdateFunctionCode")) mark(e, "lambda_code_updated");
}

// ---- credentials and secrets read (T1555.006, T1552) -------------------------

void secrets_read(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (e.action == "secretsmanager:GetSecretValue") mark(e, "secret_read");
  if (e.action == "secretsmanager:BatchGetSecretValue") mark(e, "secrets_batch_read");
  if ((name == "GetParameter" || name == "GetParameters" || name == "GetParametersByPath") &&
      e.action.starts_with("ssm:") && is_true(r.node("/requestParameters/withDecryption"))) {
    mark(e, "ssm_parameter_decrypted");
  }
  if (name == "GetPasswordData") mark(e, "ec2_password_data");
  if (name == "DescribeInstanceAttribute" && str(r.node("/requestParameters/attribute")) == "userData") {
    mark(e, "ec2_user_data_read");
  }
}

// ---- execution and lateral movement (T1651, T1021.008, T1496.001) -----------

// GPU, machine-learning, FPGA and very large types: what miners launch.
bool unusual_instance_type(std::string_view type) {
  const std::string_view family = type.substr(0, type.find('.'));
  const std::string_view size =
      type.find('.') == std::string_view::npos ? std::string_view() : type.substr(type.find('.') + 1);
  constexpr std::array<std::string_view, 7> kAccelerated{"inf", "trn", "dl", "vt", "f1", "f2", "u-"};
  for (const auto prefix : kAccelerated) {
    if (family.starts_with(prefix)) return true;
  }
  const bool gpu = family.size() >= 2 && (family[0] == 'p' || family[0] == 'g') && family[1] >= '0' && family[1] <= '9';
  int multiple = 0;
  std::from_chars(size.data(), size.data() + size.size(), multiple);
  return gpu || size.starts_with("metal") || (size.ends_with("xlarge") && multiple >= 16);
}

constexpr std::int64_t kManyInstances = 10;

void compute_used(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (name == "RunInstances") {
    bool many = false;
    each_item(r.node("/requestParameters/instancesSet"), [&](const Node& i) {
      const auto count = number(child(i, "maxCount"));
      many = many || (count && *count >= kManyInstances);
    });
    if (many || unusual_instance_type(str(r.node("/requestParameters/instanceType")))) mark(e, "unusual_instances");
    if (e.result == core::EventResult::denied) mark(e, "instances_denied");
    // Launches on a person's or a program's own account, not Auto Scaling's
    // or another service's (userIdentity.invokedBy).
    if (e.result == core::EventResult::success && str(r.node("/userIdentity/invokedBy")).empty())
      mark(e, "instances_launched");
  }
  if (name == "ModifyInstanceAttribute" &&
      (r.node("/requestParameters/userData") || str(r.node("/requestParameters/attribute")) == "userData")) {
    mark(e, "ec2_user_data_modified");
  }
  if (e.action == "ssm:SendCommand") mark(e, "ssm_command");
  if (e.action == "ssm:StartSession") mark(e, "ssm_session");
  if (name == "SendSSHPublicKey") mark(e, "instance_connect_key");
  if (name == "SendSerialConsoleSSHPublicKey") mark(e, "serial_console_key");
}

// A role session an EC2 instance holds: the session name is the instance id
// (principalId "AROA…:i-0abc…"), and CloudTrail marks credentials delivered by
// the instance metadata service with sessionContext.ec2RoleDelivery.
bool instance_session(JsonReader& r) {
  if (str(r.node("/userIdentity/type")) != "AssumedRole") return false;
  if (r.node("/userIdentity/sessionContext/ec2RoleDelivery")) return true;
  const std::string_view id = str(r.node("/userIdentity/principalId"));
  const auto colon = id.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view session = id.substr(colon + 1);
  if (!session.starts_with("i-") || session.size() < 10) return false;
  for (const char c : session.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

// ---- sign-in, AI models, S3 ransomware --------------------------------------

// ConsoleLogin of an IAM user or root that succeeded without MFA
// (additionalEventData.MFAUsed). Federated sign-ins always say "No": their
// MFA happens at the identity provider, so they are left out.
bool login_without_mfa(JsonReader& r) {
  const std::string_view type = str(r.node("/userIdentity/type"));
  return (type == "IAMUser" || type == "Root") && str(r.node("/additionalEventData/MFAUsed")) == "No" &&
         str(r.node("/responseElements/ConsoleLogin")) == "Success";
}

bool customer_key_encryption(JsonReader& r) {
  return str(r.node("/additionalEventData/SSEApplied")) == "SSE_C" ||
         !str(r.node("/requestParameters/x-amz-server-side-encryption-customer-algorithm")).empty();
}

void impact(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (name == "ConsoleLogin" && login_without_mfa(r)) mark(e, "console_login_without_mfa");
  if (e.action.starts_with("bedrock:")) {
    if (name == "PutUseCaseForModelAccess" || name == "CreateFoundationModelAgreement" ||
        name == "PutFoundationModelEntitlement") {
      mark(e, "bedrock_access_enabled");
    }
    if (name == "InvokeModel" || name == "InvokeModelWithResponseStream" || name == "Converse" ||
        name == "ConverseStream") {
      mark(e, "bedrock_invoked");
    }
  }
  if (!e.action.starts_with("s3:")) return;
  if (name == "DeleteObjects") mark(e, "s3_objects_deleted");
  if (name == "DeleteObject") mark(e, "s3_object_deleted");
  if (name == "PutBucketVersioning" &&
      str(r.node("/requestParameters/VersioningConfiguration/Status")) == "Suspended") {
    mark(e, "s3_versioning_suspended");
  }
  if ((name == "CopyObject" || name == "PutObject" || name == "CreateMultipartUpload") && customer_key_encryption(r)) {
    mark(e, "s3_customer_key_encryption");
  }
}

}  // namespace

void cloudtrail_signals(JsonReader& r, std::string_view name, core::AuditEvent& e) {
  if (name.starts_with("Attach") && name.ends_with("Policy")) {
    const std::string_view policy = r.text("/requestParameters/policyArn");
    if (policy.ends_with("/AdministratorAccess") || policy.ends_with("/IAMFullAccess")) {
      e.signals.push_back("admin_policy_attached");
    }
  }
  if (name.starts_with("Put") && name.ends_with("Policy")) {
    const std::string_view doc = str(r.node("/requestParameters/policyDocument"));
    if (contains(doc, "\"Action\":\"*\"") || contains(doc, "\"Action\": \"*\"")) e.signals.push_back("wildcard_action");
  }
  logging_impaired(r, name, e);
  shared_out(r, name, e);
  if (name == "AuthorizeSecurityGroupIngress" && opened_to_world(r)) mark(e, "security_group_opened");
  iam_persistence(r, name, e);
  lambda_persistence(r, name, e);
  secrets_read(r, name, e);
  compute_used(r, name, e);
  if (instance_session(r)) mark(e, "instance_session");
  impact(r, name, e);
}

}  // namespace mandate::ingest
