#pragma once
// The normalized event: one action that some system recorded, in one shape
// whatever its source (CloudTrail, Kubernetes audit, Vault, GitHub, and later
// mandate's own ledger). Findings and the attribution report read only this
// shape, so a new source is a new parser, never a new rule.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace mandate::core {

// Who acted. `service` is the platform itself (an AWS service, the
// Kubernetes controller manager): accountable to nobody in particular.
enum class PrincipalKind { human, workload, agent, service, unknown };

// How the actor proved who it was.
enum class CredentialKind {
  none,
  access_key,             // long-lived cloud key (AWS AKIA…)
  session,                // temporary session (AWS ASIA…, role session)
  token,                  // bearer token (Vault token, GitHub OAuth token)
  service_account_token,  // Kubernetes service-account token
  certificate,            // X.509 client certificate
  oidc_token,             // workload OIDC token (GitHub Actions)
  password,               // interactive sign-in
};

// How a principal further along the chain relates to the one before it.
enum class Relation {
  assumed_by,       // the principal assumed the role this session belongs to
  impersonated_by,  // the principal impersonated the actor (Kubernetes)
  source_identity,  // AWS sourceIdentity set by whoever started the chain
  federated_from,   // SAML/OIDC/SSO user behind a session
  triggered_by,     // a human started the workflow run
  owned_by,         // the accountable owner of a machine identity
};

enum class EventCategory {
  action,             // anything done with a credential
  authentication,     // a sign-in or a login that yields a credential
  credential_issued,  // a credential handed out (AssumeRole, token create)
  approval,           // a human approved work identified by `reference`
  request,            // someone asked for work identified by `reference`
  lifecycle,          // an identity's standing changed: `resource` was suspended or offboarded
};

enum class EventResult { success, failure, denied, unknown };

std::string_view to_string(PrincipalKind kind);
std::optional<PrincipalKind> parse_principal_kind(std::string_view text);
std::string_view to_string(CredentialKind kind);
std::optional<CredentialKind> parse_credential_kind(std::string_view text);
std::string_view to_string(Relation relation);
std::optional<Relation> parse_relation(std::string_view text);
std::string_view to_string(EventCategory category);
std::optional<EventCategory> parse_event_category(std::string_view text);
std::string_view to_string(EventResult result);
std::optional<EventResult> parse_event_result(std::string_view text);

struct Principal {
  std::string id;    // stable identifier (ARN, username, entity id)
  PrincipalKind kind = PrincipalKind::unknown;
  std::string name;  // what people call it, when it differs from id

  friend bool operator==(const Principal&, const Principal&) = default;
};

struct DelegationLink {
  Relation relation = Relation::assumed_by;
  Principal principal;

  friend bool operator==(const DelegationLink&, const DelegationLink&) = default;
};

struct AuditEvent {
  std::string id;       // stable across re-imports of the same record
  // The record's own id in its source, to go back to the source's logs:
  // CloudTrail eventID, Kubernetes auditID, Vault request id, GitHub
  // delivery or document id, Okta uuid, Entra/Azure id or correlationId,
  // Google Cloud insertId. Empty when the source names none.
  std::string source_id;
  std::string source;   // "cloudtrail", "k8s-audit", "vault", "github", "ledger"
  std::string account;  // AWS account, cluster, Vault namespace, GitHub org/repo
  Timestamp time{};
  Principal actor;      // the identity whose permissions were used
  std::string credential;  // never a secret: key ids, accessors, hashes
  CredentialKind credential_kind = CredentialKind::none;
  std::optional<Timestamp> credential_issued_at;
  // On whose behalf, as read from the record itself, nearest first.
  std::vector<DelegationLink> chain;
  EventCategory category = EventCategory::action;
  std::string action;    // "sts:AssumeRole", "create secrets", "read secret/…"
  std::string resource;
  EventResult result = EventResult::unknown;
  std::string source_address;
  std::string user_agent;
  bool interactive = false;  // a person at a browser or console, not a program
  // Risk signals a parser read from the record, e.g. "admin_policy_attached".
  std::vector<std::string> signals;
  std::string issued_credential;  // the credential this event created, if any
  std::string reference;  // the task / run / change this event belongs to
  std::string origin;     // file:line it was read from
  std::string raw;        // the source record, minified, secrets redacted
  // Set by correlation: the event that issued this event's credential.
  std::string parent_id;

  friend bool operator==(const AuditEvent&, const AuditEvent&) = default;
};

bool is_machine(PrincipalKind kind);

}  // namespace mandate::core
