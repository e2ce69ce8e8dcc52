#include "export/ocsf.h"

#include <array>
#include <cctype>

#include "export/internal/ocsf_common.h"

namespace mandate::exporting {
namespace {

using nlohmann::json;
using namespace detail;

// The verb of an operation: "sts:AssumeRole" -> "AssumeRole",
// "create secrets" -> "create", "github:repo.create" -> "create".
std::string verb_of(std::string_view action) {
  if (const auto colon = action.find(':'); colon != std::string_view::npos) action.remove_prefix(colon + 1);
  if (const auto space = action.find(' '); space != std::string_view::npos) action = action.substr(0, space);
  if (const auto dot = action.rfind('.'); dot != std::string_view::npos) action.remove_prefix(dot + 1);
  std::string out(action);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (const auto p : prefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

// API Activity's activity_id: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other.
int activity_of(std::string_view action) {
  const std::string verb = verb_of(action);
  if (starts_with_any(verb, {"create", "put", "add", "attach", "run", "start", "assume", "issue", "login", "post"})) return 1;
  if (starts_with_any(verb, {"get", "list", "describe", "read", "watch", "lookup", "head", "help"})) return 2;
  if (starts_with_any(verb, {"update", "modify", "set", "patch", "change", "enable", "rotate", "reset"})) return 3;
  if (starts_with_any(verb, {"delete", "remove", "detach", "destroy", "revoke", "disable", "stop", "terminate"})) return 4;
  return 99;
}

constexpr std::array<std::string_view, 5> kActivityNames{"Unknown", "Create", "Read", "Update", "Delete"};

// Federated sign-ins: an outside identity provider's assertion or token is
// exchanged for a session, which is an authentication, not a hand-over.
bool federated_sign_in(const core::AuditEvent& e) {
  return e.action == "sts:AssumeRoleWithSAML" || e.action == "sts:AssumeRoleWithWebIdentity";
}

// A session (temporary credentials, a child token, a mandate) handed to an
// identity that already authenticated. Long-lived credentials created by an
// API call (iam:CreateAccessKey, a GitHub personal access token) stay API
// Activity: no session is authorized by them.
bool session_granted(const core::AuditEvent& e) {
  if (e.category != core::EventCategory::credential_issued) return false;
  if (e.source == "cloudtrail") return e.action.starts_with("sts:");
  return e.source == "vault" || e.source == "ledger";
}

}  // namespace

int ocsf_class_of(const core::AuditEvent& e) {
  if (e.category == core::EventCategory::authentication || federated_sign_in(e)) return kAuthenticationClass;
  if (session_granted(e)) return kAuthorizeSessionClass;
  return kApiActivityClass;
}

std::vector<json> ocsf_events(const core::AuditEvent& e) {
  std::vector<json> out;
  switch (ocsf_class_of(e)) {
    case kAuthenticationClass: out.push_back(ocsf_authentication(e)); break;
    case kAuthorizeSessionClass: out.push_back(ocsf_authorize_session(e)); break;
    default: out.push_back(ocsf_api_activity(e)); break;
  }
  for (const auto& link : e.chain) {
    if (link.relation == core::Relation::impersonated_by) {
      out.push_back(ocsf_impersonation(e));
      break;
    }
  }
  return out;
}

json ocsf_api_activity(const core::AuditEvent& e) {
  const int activity = activity_of(e.action);
  json out = base_event(e, 6, "Application Activity", kApiActivityClass, "API Activity", activity,
                        activity == 99 ? e.action : std::string(kActivityNames[static_cast<std::size_t>(activity)]));
  out["actor"] = {{"user", user_of(e.actor, e.credential, e.account)}};
  out["api"] = {{"operation", e.action}, {"service", {{"name", e.source}}}};
  out["src_endpoint"] = endpoint(e);
  out["cloud"] = {{"provider", std::string(provider(e.source))}};
  if (!e.account.empty()) out["cloud"]["account"] = {{"uid", e.account}};
  if (!e.resource.empty()) out["resources"] = json::array({{{"uid", e.resource}}});
  if (!e.user_agent.empty()) out["http_request"] = {{"user_agent", e.user_agent}};
  return out;
}

}  // namespace mandate::exporting
