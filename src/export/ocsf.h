#pragma once
// OCSF output (Open Cybersecurity Schema Framework, schema version 1.3.0).
// Events: a login or federated sign-in as Authentication (3002), a session
// or privileges granted as Authorize Session (3003), everything else as API
// Activity (6003); findings as Detection Finding (2004) or, on request,
// Compliance Finding (2003). What the schema has no attribute for (the
// delegation chain, risk signals, framework mappings) goes under
// `unmapped.mandate`, where OCSF puts source data it does not model.
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyze/finding.h"
#include "core/audit_event.h"

namespace mandate::exporting {

inline constexpr std::string_view kOcsfVersion = "1.3.0";
inline constexpr int kApiActivityClass = 6003;
inline constexpr int kAuthenticationClass = 3002;
inline constexpr int kAuthorizeSessionClass = 3003;
inline constexpr int kDetectionFindingClass = 2004;
inline constexpr int kComplianceFindingClass = 2003;

// Which class an event is exported as (the mapping is in docs/log-analysis.md):
// Authentication for sign-ins and logins that yield a credential (AWS
// ConsoleLogin, AssumeRoleWithSAML / AssumeRoleWithWebIdentity, Vault auth
// logins, GitHub sign-ins and Actions OIDC tokens); Authorize Session when a
// session with privileges is handed to an identity that already holds one
// (AssumeRole, GetFederationToken, GetSessionToken, Vault auth/token/create,
// a mandate issued or attenuated); API Activity for the rest.
int ocsf_class_of(const core::AuditEvent& event);

// Every OCSF record one event makes: the record of its class, and for a
// Kubernetes request made under impersonation also an Authorize Session
// (the impersonated identity's privileges, granted to the impersonator).
std::vector<nlohmann::json> ocsf_events(const core::AuditEvent& event);

nlohmann::json ocsf_api_activity(const core::AuditEvent& event);
nlohmann::json ocsf_authentication(const core::AuditEvent& event);
nlohmann::json ocsf_authorize_session(const core::AuditEvent& event);
// The impersonation in `event` (which must have an impersonated_by link).
nlohmann::json ocsf_impersonation(const core::AuditEvent& event);

enum class FindingClass { detection, compliance };

// `generated` is when the analysis ran: OCSF's `time` of a finding is its
// creation, the events' span goes to first/last_seen_time.
nlohmann::json ocsf_detection_finding(const analyze::Finding& finding, core::Timestamp generated);
// The finding as a failed check of the catalogue's controls: standards are
// the frameworks the rule maps to, requirements their items.
nlohmann::json ocsf_compliance_finding(const analyze::Finding& finding, core::Timestamp generated);
nlohmann::json ocsf_finding(const analyze::Finding& finding, core::Timestamp generated, FindingClass as);

}  // namespace mandate::exporting
