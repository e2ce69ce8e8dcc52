// The OCSF 1.3.0 Identity & Access Management classes: Authentication (3002)
// and Authorize Session (3003). Neither has `cloud` or `api` of its own, so
// both declare the cloud profile, which adds them.
#include "export/ocsf.h"
#include "export/internal/ocsf_common.h"

namespace mandate::exporting {
namespace {

using nlohmann::json;
using namespace detail;

// Authentication's auth_protocol_id: 4 OpenID, 5 SAML, 0 Unknown (not said).
int auth_protocol(const core::AuditEvent& e) {
  if (e.action == "sts:AssumeRoleWithSAML") return 5;
  if (e.action == "sts:AssumeRoleWithWebIdentity" || e.credential_kind == core::CredentialKind::oidc_token) return 4;
  return 0;
}

constexpr std::string_view kProtocolNames[] = {"Unknown", "NTLM", "Kerberos", "Digest", "OpenID", "SAML"};

json session_of(const core::AuditEvent& e) {
  return {{"uid", e.issued_credential}, {"created_time", millis(e.time)}};
}

json iam_event(const core::AuditEvent& e, int class_uid, std::string_view class_name, int activity,
               std::string_view activity_name) {
  json out = base_event(e, 3, "Identity & Access Management", class_uid, class_name, activity, activity_name);
  out["src_endpoint"] = endpoint(e);
  if (!e.user_agent.empty()) out["http_request"] = {{"user_agent", e.user_agent}};
  if (!e.resource.empty()) out["unmapped"]["mandate"]["resource"] = e.resource;
  add_cloud_profile(out, e);
  return out;
}

}  // namespace

json ocsf_authentication(const core::AuditEvent& e) {
  json out = iam_event(e, kAuthenticationClass, "Authentication", 1, "Logon");
  // The subject authenticated is the identity the record names; the service
  // is the system signed in to (Authentication needs service or dst_endpoint).
  out["user"] = user_of(e.actor, e.credential, e.account);
  out["service"] = {{"name", std::string(provider(e.source))}};
  const int protocol = auth_protocol(e);
  out["auth_protocol_id"] = protocol;
  out["auth_protocol"] = std::string(kProtocolNames[protocol]);
  if (!e.issued_credential.empty()) out["session"] = session_of(e);
  if (e.interactive) out["is_remote"] = true;
  return out;
}

json ocsf_authorize_session(const core::AuditEvent& e) {
  json out = iam_event(e, kAuthorizeSessionClass, "Authorize Session", 1, "Assign Privileges");
  // A mandate is issued by someone to its executor (the resource of the
  // ledger's event); elsewhere whoever asked receives the session.
  if (e.source == "ledger" && !e.resource.empty()) {
    out["user"] = user_of({e.resource, core::PrincipalKind::unknown, {}});
    out["actor"] = {{"user", user_of(e.actor)}};
  } else {
    out["user"] = user_of(e.actor, e.credential, e.account);
  }
  // The privilege granted: the role assumed, or the operation that granted it.
  out["privileges"] = json::array({e.resource.empty() || e.source == "ledger" ? e.action : e.resource});
  if (!e.issued_credential.empty()) out["session"] = session_of(e);
  return out;
}

json ocsf_impersonation(const core::AuditEvent& e) {
  json out = iam_event(e, kAuthorizeSessionClass, "Authorize Session", 1, "Assign Privileges");
  out["metadata"]["uid"] = e.id + "/impersonation";
  // The impersonator acts with the impersonated identity's privileges.
  for (const auto& link : e.chain) {
    if (link.relation == core::Relation::impersonated_by) {
      out["user"] = user_of(link.principal);
      break;
    }
  }
  out["privileges"] = json::array({"impersonate:" + e.actor.id});
  return out;
}

}  // namespace mandate::exporting
