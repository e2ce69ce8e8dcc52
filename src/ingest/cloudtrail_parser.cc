// CloudTrail records (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html).
// The chain behind a role session is read from userIdentity.sessionContext
// here and completed by correlation in the store: the AssumeRole* /
// GetFederationToken / GetSessionToken event whose response carries the
// session's temporary accessKeyId is the session's parent.
#include <array>

#include "ingest/internal/cloudtrail_shapes.h"
#include "ingest/internal/json_reader.h"
#include "ingest/internal/record_parser.h"
#include "ingest/internal/signals.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

constexpr std::array<std::string_view, 5> kIssuingEvents{"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
                                                         "GetFederationToken", "GetSessionToken"};

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// "arn:aws:sts::123:assumed-role/Role/session" -> ("Role", "session").
std::pair<std::string_view, std::string_view> assumed_role_parts(std::string_view arn) {
  const auto at = arn.find("assumed-role/");
  if (at == std::string_view::npos) return {};
  const std::string_view rest = arn.substr(at + 13);
  const auto slash = rest.rfind('/');
  if (slash == std::string_view::npos) return {rest, {}};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

CredentialKind key_kind(std::string_view key) {
  if (key.starts_with("AKIA")) return CredentialKind::access_key;
  if (key.starts_with("ASIA")) return CredentialKind::session;
  return key.empty() ? CredentialKind::none : CredentialKind::access_key;
}

bool browser_agent(std::string_view agent) {
  return agent.starts_with("Mozilla/") || agent.starts_with("console.") || contains(agent, "signin.amazonaws.com") ||
         agent == "AWS Internal/3";
}

EventResult result_of(JsonReader& r) {
  const std::string_view code = r.text("/errorCode");
  if (!code.empty()) {
    return contains(code, "AccessDenied") || contains(code, "Unauthorized") || contains(code, "Forbidden")
               ? EventResult::denied
               : EventResult::failure;
  }
  const std::string_view console = r.text("/responseElements/ConsoleLogin");
  if (console == "Failure") return EventResult::failure;
  return EventResult::success;
}

// The identity whose permissions were used, and the chain the record itself
// names. Unknown identity types are kept with kind unknown, not refused.
void read_identity(JsonReader& r, core::AuditEvent& e) {
  const std::string_view type = r.text("/userIdentity/type");
  const std::string_view arn = r.text("/userIdentity/arn");
  const std::string_view account = r.text("/userIdentity/accountId");
  const std::string_view invoked_by = r.text("/userIdentity/invokedBy");
  const std::string_view principal_id = r.text("/userIdentity/principalId");
  e.actor.id = std::string(!arn.empty() ? arn : principal_id);
  if (type == "Root") {
    e.actor.kind = PrincipalKind::human;
    if (e.actor.id.empty()) e.actor.id = "arn:aws:iam::" + std::string(account) + ":root";
    e.signals.push_back("root_used");
  } else if (type == "IAMUser") {
    // An IAM user is taken for a person unless the analyzer's configuration
    // names it a workload: AWS records no difference.
    e.actor.kind = PrincipalKind::human;
    e.actor.name = std::string(r.text("/userIdentity/userName"));
  } else if (type == "AssumedRole") {
    const std::string_view issuer = r.text("/userIdentity/sessionContext/sessionIssuer/arn");
    auto [role, session] = assumed_role_parts(arn);
    // principalId is "roleId:sessionName" and survives a malformed arn.
    if (const auto colon = principal_id.find(':'); colon != std::string_view::npos) {
      session = principal_id.substr(colon + 1);
    }
    e.actor.name = std::string(arn);
    if (!issuer.empty()) e.actor.id = std::string(issuer);
    if (contains(issuer, "/aws-reserved/sso.amazonaws.com/") || contains(role, "AWSReservedSSO_")) {
      // IAM Identity Center: the session is a person's, named by the session.
      e.actor.kind = PrincipalKind::human;
      if (!session.empty()) e.chain.push_back({Relation::federated_from, {std::string(session), PrincipalKind::human, {}}});
    } else {
      e.actor.kind = PrincipalKind::workload;
    }
    const std::string_view source = r.text("/userIdentity/sessionContext/sourceIdentity");
    // AWS asks whoever starts a chain to set sourceIdentity to the person's
    // (or application's) name; it then survives every chained AssumeRole.
    if (!source.empty()) e.chain.push_back({Relation::source_identity, {std::string(source), PrincipalKind::human, {}}});
    const std::string_view web = r.text("/userIdentity/sessionContext/webIdFederationData/federatedProvider");
    if (!web.empty()) e.chain.push_back({Relation::federated_from, {std::string(web), PrincipalKind::workload, {}}});
  } else if (type == "FederatedUser") {
    e.actor.kind = PrincipalKind::human;
    const std::string_view issuer = r.text("/userIdentity/sessionContext/sessionIssuer/arn");
    if (!issuer.empty()) e.chain.push_back({Relation::assumed_by, {std::string(issuer), PrincipalKind::unknown, {}}});
  } else if (type == "SAMLUser" || type == "IdentityCenterUser") {
    e.actor.kind = PrincipalKind::human;
    e.actor.id = std::string(r.text("/userIdentity/userName"));
    if (e.actor.id.empty()) e.actor.id = std::string(principal_id);
  } else if (type == "WebIdentityUser") {
    e.actor.kind = PrincipalKind::workload;
    e.actor.id = std::string(r.text("/userIdentity/userName"));
    if (e.actor.id.empty()) e.actor.id = std::string(principal_id);
  } else if (type == "AWSService" || (type.empty() && !invoked_by.empty())) {
    e.actor.kind = PrincipalKind::service;
    e.actor.id = std::string(invoked_by);
  } else {
    e.actor.kind = PrincipalKind::unknown;
  }
  const std::string_view key = r.text("/userIdentity/accessKeyId");
  e.credential = std::string(key);
  e.credential_kind = key_kind(key);
  const std::string_view created = r.text("/userIdentity/sessionContext/attributes/creationDate");
  if (!created.empty()) e.credential_issued_at = parse_source_time(created);
}

// When read_identity finds no id: the records AWS writes with less. A failed
// console sign-in names the person only by userName; a service's own event
// may name no invoker; anonymous requests name only "ANONYMOUS_PRINCIPAL".
void fallback_identity(JsonReader& r, std::string_view event_source, core::AuditEvent& e) {
  const std::string_view type = r.text("/userIdentity/type");
  const std::string_view user = r.text("/userIdentity/userName");
  const std::string_view account = r.text("/userIdentity/accountId");
  if (!user.empty()) {
    // The ARN the same user's other records carry, so they meet under one
    // actor (a user with an IAM path is the exception: AWS omits it here).
    const bool iam_user = type == "IAMUser" && !account.empty() && account != "ANONYMOUS_PRINCIPAL";
    e.actor.id = iam_user ? "arn:aws:iam::" + std::string(account) + ":user/" + std::string(user) : std::string(user);
    e.actor.name = std::string(user);
    if (type == "IAMUser" || type.empty()) e.actor.kind = PrincipalKind::human;
  } else if (type == "AWSService" && !event_source.empty()) {
    e.actor = {std::string(event_source), PrincipalKind::service, {}};
  } else if (account == "ANONYMOUS_PRINCIPAL") {
    e.actor = {"anonymous", PrincipalKind::unknown, {}};
  } else if (!account.empty()) {
    e.actor = {"aws-account:" + std::string(account), PrincipalKind::unknown, {}};
  }
}

// One CloudTrail record, whatever carried it: `stored` is what the event
// keeps as its raw record, `carrier_time` the carrier's time for a record
// without eventTime.
void parse_record(simdjson::dom::element record, simdjson::dom::element stored,
                  std::optional<core::Timestamp> carrier_time, const std::string& origin, ParseSink& sink) {
  JsonReader r(record);
  if (r.text("/eventType") == "AwsCloudTrailInsight") return sink.skip("an Insights event: a statistic, not an action");
  core::AuditEvent e;
  e.source = "cloudtrail";
  const std::string_view name = r.text("/eventName");
  const std::string_view event_source = r.text("/eventSource");
  // Exports through Logstash (the OTRF datasets) keep only "@timestamp".
  auto time = r.time("/eventTime");
  if (!time && r.ok()) time = r.time("/@timestamp");
  if (!time && r.ok()) time = carrier_time;
  if (!r.ok()) return sink.refuse(origin, r.error());
  if (!time) return sink.refuse(origin, "missing eventTime");
  if (name.empty()) return sink.refuse(origin, "missing eventName");
  e.time = *time;
  if (r.node("/userIdentity")) {
    read_identity(r, e);
    if (e.actor.id.empty() && r.ok()) fallback_identity(r, event_source, e);
  } else if (!event_source.empty()) {
    // Some service events carry no userIdentity: the service acted.
    e.actor = {std::string(event_source), PrincipalKind::service, {}};
  } else {
    return sink.refuse(origin, "missing userIdentity (and no eventSource to stand for it)");
  }
  if (!r.ok()) return sink.refuse(origin, r.error());
  if (e.actor.id.empty()) {
    return sink.skip("userIdentity names nobody (no arn, principalId, userName, invokedBy or accountId)");
  }
  std::string_view service = event_source.substr(0, event_source.find('.'));
  e.action = std::string(service) + ":" + std::string(name);
  e.account = std::string(r.text("/recipientAccountId"));
  if (e.account.empty()) e.account = std::string(r.text("/userIdentity/accountId"));
  e.source_address = std::string(r.text("/sourceIPAddress"));
  e.user_agent = std::string(r.text("/userAgent"));
  e.interactive = browser_agent(e.user_agent) || name == "ConsoleLogin";
  e.result = result_of(r);
  e.resource = std::string(r.text("/resources/0/ARN"));
  if (e.resource.empty()) e.resource = std::string(r.text("/requestParameters/roleArn"));
  if (e.resource.empty()) e.resource = std::string(r.text("/requestParameters/bucketName"));
  if (name == "ConsoleLogin") {
    e.category = EventCategory::authentication;
    if (e.credential.empty()) e.credential_kind = CredentialKind::password;
  }
  for (const auto issuing : kIssuingEvents) {
    if (name == issuing) {
      e.issued_credential = std::string(r.text("/responseElements/credentials/accessKeyId"));
      if (!e.issued_credential.empty()) e.category = EventCategory::credential_issued;
    }
  }
  if (name == "CreateAccessKey") {
    e.issued_credential = std::string(r.text("/responseElements/accessKey/accessKeyId"));
    if (!e.issued_credential.empty()) e.category = EventCategory::credential_issued;
  }
  cloudtrail_signals(r, name, e);
  if (!r.ok()) return sink.refuse(origin, r.error());
  e.source_id = std::string(r.text("/eventID"));
  sink.keep(std::move(e), stored, origin);
}

class CloudTrailParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object() && !record.is_array()) return sink.refuse(origin, "a CloudTrail record must be a JSON object");
    const CloudTrailCarrier carrier = shapes_.open(record);
    if (!carrier.refusal.empty()) return sink.refuse(origin, carrier.refusal);
    if (!carrier.skip.empty()) return sink.skip(carrier.skip);
    parse_record(carrier.record, carrier.stored, carrier.time, origin, sink);
  }

 private:
  CloudTrailShapes shapes_;
};

}  // namespace

std::unique_ptr<RecordParser> make_cloudtrail_parser() { return std::make_unique<CloudTrailParser>(); }

}  // namespace mandate::ingest
