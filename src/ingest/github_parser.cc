// GitHub: audit log entries (organization/enterprise/user audit log export),
// Actions OIDC token claim sets, and webhook payloads of the events that
// show who started, approved and ran a workflow.
#include "ingest/internal/json_reader.h"
#include "ingest/internal/record_parser.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

constexpr std::string_view kActionsIssuer = "https://token.actions.githubusercontent.com";

PrincipalKind login_kind(std::string_view login, std::string_view type = {}) {
  if (type == "Bot" || login.ends_with("[bot]")) return PrincipalKind::workload;
  return PrincipalKind::human;
}

core::Principal user(JsonReader& r, const std::string& at) {
  const std::string login(r.text(at + "/login"));
  return {login, login_kind(login, r.text(at + "/type")), {}};
}

std::string workflow_id(std::string_view repo, std::string_view workflow) {
  return "github-workflow:" + std::string(repo) + ":" + std::string(workflow);
}

std::string run_reference(std::string_view repo, std::string_view run_id) {
  return "github-run:" + std::string(repo) + "/" + std::string(run_id);
}

// "org" is a name, or (in exports that merge several) a list of names.
std::string org_of(JsonReader& r) {
  const auto node = r.node("/org");
  if (node && node->is_array()) {
    simdjson::dom::element first;
    if (node->at(0).get(first) != simdjson::SUCCESS) return {};
    std::string_view name;
    if (first.get_string().get(name) != simdjson::SUCCESS) r.refuse("org must be a name or a list of names");
    return std::string(name);
  }
  return r.scalar_text("/org");
}

void audit_entry(JsonReader& r, core::AuditEvent& e) {
  const std::string_view action = r.text("/action");
  auto time = r.epoch_millis("/@timestamp");
  if (!time && r.ok()) time = r.epoch_millis("/created_at");
  if (!time) return r.refuse("missing @timestamp");
  e.time = *time;
  std::string actor(r.text("/actor"));
  if (actor.empty()) actor = r.text("/user");  // unauthenticated requests, e.g. user.forgot_password
  e.actor = {actor, login_kind(actor), {}};
  e.action = "github:" + std::string(action);
  e.resource = std::string(r.text("/repo"));
  if (e.resource.empty()) e.resource = org_of(r);
  e.account = std::string(r.text("/business"));
  e.user_agent = std::string(r.text("/user_agent"));
  e.interactive = e.user_agent.starts_with("Mozilla/");
  const std::string_view token = r.text("/hashed_token");
  if (action == "oauth_access.create" || action == "personal_access_token.create") {
    e.category = EventCategory::credential_issued;
    e.issued_credential = std::string(token);
  } else if (!token.empty()) {
    e.credential = std::string(token);
    e.credential_kind = CredentialKind::token;
  }
  if (action.starts_with("user.") && (action.find("login") != std::string_view::npos)) {
    e.category = EventCategory::authentication;
    e.credential_kind = CredentialKind::password;
  }
  e.result = action.find("failed") != std::string_view::npos ? EventResult::failure : EventResult::success;
  if (action == "workflows.approve_workflow_job") {
    e.category = EventCategory::approval;
    e.reference = run_reference(e.resource, r.scalar_text("/workflow_run_id"));
  }
  if (action == "repo.set_workflow_permission_can_approve_pr") e.signals.push_back("workflow_can_approve");
  e.source_address = std::string(r.text("/actor_ip"));
}

void oidc_claims(JsonReader& r, core::AuditEvent& e) {
  const auto iat = r.integer("/iat");
  if (!iat) return r.refuse("missing iat");
  if (*iat < 0 || *iat > 253402300799) return r.refuse("iat is out of range");
  e.time = core::Timestamp(std::chrono::seconds(*iat));
  const std::string_view repo = r.text("/repository");
  e.actor = {std::string(r.text("/sub")), PrincipalKind::workload, std::string(r.text("/job_workflow_ref"))};
  const std::string_view actor = r.text("/actor");
  if (!actor.empty()) e.chain.push_back({Relation::triggered_by, {std::string(actor), login_kind(actor), {}}});
  e.credential = std::string(r.text("/jti"));
  e.credential_kind = CredentialKind::oidc_token;
  e.category = EventCategory::authentication;
  e.action = "github:actions.oidc_token";
  e.resource = std::string(repo);
  e.account = std::string(r.text("/repository_owner"));
  e.reference = run_reference(repo, r.scalar_text("/run_id"));
  e.result = EventResult::success;
}

// Webhook payloads carry no delivery time (it travels in a header); the
// newest time the payload itself names stands in for it.
std::optional<core::Timestamp> payload_time(JsonReader& r, std::initializer_list<std::string_view> candidates) {
  for (const auto pointer : candidates) {
    // Some payloads (installation, repository.pushed_at) give epoch seconds.
    const auto node = r.node(pointer);
    if (node && node->is_int64()) {
      const std::int64_t seconds = std::int64_t(*node);
      if (seconds < 0 || seconds > 253402300799) {
        r.refuse(field_name(pointer) + " is out of range");
        return std::nullopt;
      }
      return core::Timestamp(std::chrono::seconds(seconds));
    }
    if (auto t = r.time(pointer)) return t;
    if (!r.ok()) return std::nullopt;
  }
  return std::nullopt;
}

void webhook(JsonReader& r, core::AuditEvent& e) {
  const std::string_view repo = r.text("/repository/full_name");
  const std::string_view verb = r.text("/action");
  const core::Principal sender = user(r, "/sender");
  e.account = std::string(r.text("/organization/login"));
  if (e.account.empty()) e.account = std::string(r.text("/repository/owner/login"));
  e.resource = std::string(repo);
  e.actor = sender;
  e.result = EventResult::success;
  std::string kind;
  std::optional<core::Timestamp> time;
  if (r.node("/requestor") || r.node("/reviewers")) {
    kind = "deployment_review";
    e.reference = run_reference(repo, r.scalar_text("/workflow_run/id"));
    if (verb == "requested") {
      e.category = EventCategory::request;
      e.actor = user(r, "/requestor");
    } else if (verb == "approved") {
      e.category = EventCategory::approval;
      e.actor = user(r, "/approver");
      if (e.actor.id.empty()) e.actor = sender;
    } else if (verb == "rejected") {
      e.result = EventResult::denied;
    }
    time = payload_time(r, {"/workflow_job_run/updated_at", "/since", "/workflow_run/updated_at"});
  } else if (r.node("/deployment_status")) {
    kind = "deployment_status";
    e.actor = user(r, "/deployment_status/creator");
    time = payload_time(r, {"/deployment_status/updated_at", "/deployment_status/created_at"});
  } else if (r.node("/deployment")) {
    kind = "deployment";
    e.actor = user(r, "/deployment/creator");
    if (r.node("/workflow_run")) e.reference = run_reference(repo, r.scalar_text("/workflow_run/id"));
    time = payload_time(r, {"/deployment/updated_at", "/deployment/created_at"});
  } else if (r.node("/workflow_run")) {
    kind = "workflow_run";
    e.actor = {workflow_id(repo, r.text("/workflow_run/path")), PrincipalKind::workload,
               std::string(r.text("/workflow_run/name"))};
    core::Principal trigger = user(r, "/workflow_run/triggering_actor");
    if (trigger.id.empty()) trigger = user(r, "/workflow_run/actor");
    if (!trigger.id.empty()) e.chain.push_back({Relation::triggered_by, trigger});
    e.reference = run_reference(repo, r.scalar_text("/workflow_run/id"));
    const std::string_view conclusion = r.text("/workflow_run/conclusion");
    e.result = conclusion == "failure" ? EventResult::failure
               : conclusion.empty()    ? EventResult::unknown
                                       : EventResult::success;
    time = payload_time(r, {"/workflow_run/updated_at", "/workflow_run/created_at"});
  } else if (r.node("/workflow_job")) {
    kind = "workflow_job";
    e.actor = {workflow_id(repo, r.text("/workflow_job/workflow_name")), PrincipalKind::workload,
               std::string(r.text("/workflow_job/name"))};
    e.chain.push_back({Relation::triggered_by, sender});
    e.reference = run_reference(repo, r.scalar_text("/workflow_job/run_id"));
    const std::string_view conclusion = r.text("/workflow_job/conclusion");
    e.result = conclusion == "failure" ? EventResult::failure
               : conclusion.empty()    ? EventResult::unknown
                                       : EventResult::success;
    time = payload_time(r, {"/workflow_job/completed_at", "/workflow_job/started_at", "/workflow_job/created_at"});
  } else if (r.node("/check_suite")) {
    kind = "check_suite";
    time = payload_time(r, {"/check_suite/updated_at", "/check_suite/created_at"});
  } else if (r.node("/installation/account") && r.node("/repositories")) {
    kind = "installation";
    time = payload_time(r, {"/installation/updated_at", "/installation/created_at"});
  } else if (r.node("/pusher")) {
    kind = "push";
    time = payload_time(r, {"/head_commit/timestamp", "/repository/pushed_at"});
  } else if (r.node("/client_payload")) {
    kind = "repository_dispatch";
    time = payload_time(r, {"/repository/updated_at"});
  } else if (r.node("/inputs") && r.node("/workflow")) {
    kind = "workflow_dispatch";
    e.category = EventCategory::request;
    time = payload_time(r, {"/repository/updated_at"});
  } else {
    return r.refuse("not a GitHub audit entry, Actions OIDC claim set, or known webhook payload");
  }
  if (!r.ok()) return;
  if (!time) return r.refuse("no time in the " + kind + " payload");
  if (e.actor.id.empty()) return r.refuse("the " + kind + " payload names no actor");
  e.time = *time;
  e.action = "github:" + kind + (verb.empty() ? "" : "." + std::string(verb));
}

class GitHubParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "a GitHub record must be a JSON object");
    JsonReader r(record);
    core::AuditEvent e;
    e.source = "github";
    if (r.text("/iss") == kActionsIssuer) {
      oidc_claims(r, e);
    } else if (!r.text("/action").empty() && (r.node("/@timestamp") || r.node("/created_at")) &&
               !r.node("/sender")) {
      audit_entry(r, e);
    } else if (r.ok() && r.node("/sender")) {
      webhook(r, e);
    } else if (r.ok()) {
      r.refuse("not a GitHub audit entry, Actions OIDC claim set, or known webhook payload");
    }
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (e.actor.id.empty()) return sink.refuse(origin, "names no actor");
    if (e.source_id.empty()) e.source_id = std::string(r.text("/_document_id"));
    if (e.source_id.empty()) e.source_id = std::string(r.text("/jti"));
    e.origin = origin;
    e.raw = sink.stored.write(record);
    e.id = event_id(e.source, e.raw);
    sink.add(std::move(e));
  }
};

}  // namespace

std::unique_ptr<RecordParser> make_github_parser() { return std::make_unique<GitHubParser>(); }

}  // namespace mandate::ingest
