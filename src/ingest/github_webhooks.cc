// GitHub webhook payloads (https://docs.github.com/en/webhooks/webhook-events-and-payloads;
// the schemas: github.com/octokit/webhooks, payload-schemas/api.github.com).
// A payload does not carry its event name — that travels in the
// X-GitHub-Event header — so each kind is recognised by the members only it
// has. The kinds that shape identity chains are modelled (who started,
// approved and ran a workflow; who gained or lost access; credentials issued
// and revoked); every other payload with a sender is kept as a generic event
// `github:<kind>.<action>` by the sender.
#include "ingest/internal/github_webhooks.h"

#include <algorithm>
#include <array>

namespace mandate::ingest {
namespace {

using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

// A member present, even as null (star.deleted's starred_at is null). Paths
// are "a" or "a/b".
bool has(simdjson::dom::element root, std::string_view path) {
  simdjson::dom::element value;
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return root.at_key(path).get(value) == simdjson::SUCCESS;
  if (root.at_key(path.substr(0, slash)).get(value) != simdjson::SUCCESS || !value.is_object()) return false;
  return has(value, path.substr(slash + 1));
}

std::string_view action_of(simdjson::dom::element root) {
  std::string_view action;
  if (root.at_key("action").get_string().get(action) != simdjson::SUCCESS) return {};
  return action;
}

// A kind is recognised by members all present (`with`), in this order: the
// first rule that fits wins, so a payload that also holds another kind's
// object (a deployment_status holds its deployment) is listed before it.
struct KindRule {
  std::string_view kind;
  std::array<std::string_view, 2> with;
  bool without_action = false;  // the kind's payloads have no "action"
};

constexpr KindRule kKindRules[] = {
    {"deployment_review", {"requestor", {}}},
    {"deployment_review", {"reviewers", {}}},
    {"deployment_protection_rule", {"deployment_callback_url", {}}},
    {"deployment_status", {"deployment_status", {}}},
    {"deployment", {"deployment", {}}},
    {"workflow_run", {"workflow_run", {}}},
    {"workflow_job", {"workflow_job", {}}},
    {"check_run", {"check_run", {}}},
    {"check_suite", {"check_suite", {}}},
    {"installation_repositories", {"repositories_added", {}}},
    {"installation_repositories", {"repositories_removed", {}}},
    {"installation_target", {"target_type", {}}},
    {"installation", {"installation/account", "repositories"}},
    {"installation", {"installation/account", "requester"}},
    {"push", {"pusher", {}}},
    {"repository_dispatch", {"client_payload", {}}},
    {"workflow_dispatch", {"inputs", "workflow"}},
    {"membership", {"member", "team"}},
    {"member", {"member", {}}},
    {"organization", {"membership", {}}},
    {"organization", {"invitation", {}}},
    {"org_block", {"blocked_user", {}}},
    {"team_add", {"team", {}}, true},
    {"team", {"team", {}}},
    {"personal_access_token_request", {"personal_access_token_request", {}}},
    {"deploy_key", {"key", {}}},
    {"branch_protection_rule", {"rule", {}}},
    {"pull_request_review_comment", {"comment", "pull_request"}},
    {"pull_request_review_thread", {"thread", "pull_request"}},
    {"pull_request_review", {"review", "pull_request"}},
    {"pull_request", {"pull_request", {}}},
    {"issue_comment", {"comment", "issue"}},
    {"discussion_comment", {"comment", "discussion"}},
    {"commit_comment", {"comment", {}}},
    {"issues", {"issue", {}}},
    {"discussion", {"discussion", {}}},
    {"secret_scanning_alert_location", {"location", "alert"}},
    {"secret_scanning_alert", {"alert/secret_type", {}}},
    {"code_scanning_alert", {"alert", "commit_oid"}},
    {"dependabot_alert", {"alert/dependency", {}}},
    {"repository_vulnerability_alert", {"alert/affected_package_name", {}}},
    {"release", {"release", {}}},
    {"registry_package", {"registry_package", {}}},
    {"package", {"package", {}}},
    {"fork", {"forkee", {}}},
    {"star", {"starred_at", {}}},
    {"create", {"ref_type", "master_branch"}},
    {"delete", {"ref_type", {}}},
    {"ping", {"zen", {}}},
    {"meta", {"hook_id", "hook"}},
    {"sponsorship", {"sponsorship", {}}},
    {"marketplace_purchase", {"marketplace_purchase", {}}},
    {"repository_advisory", {"repository_advisory", {}}},
    {"security_advisory", {"security_advisory", {}}},
    {"repository_ruleset", {"repository_ruleset", {}}},
    {"merge_group", {"merge_group", {}}},
    {"milestone", {"milestone", {}}},
    {"label", {"label", {}}},
    {"project_card", {"project_card", {}}},
    {"project_column", {"project_column", {}}},
    {"projects_v2_item", {"projects_v2_item", {}}},
    {"projects_v2", {"projects_v2", {}}},
    {"page_build", {"build", {}}},
    {"gollum", {"pages", {}}},
};

// Kinds told apart only by their action, checked after every member rule.
std::string_view kind_by_action(simdjson::dom::element root, std::string_view action) {
  static constexpr std::array<std::string_view, 9> kRepositoryActions{
      "created", "deleted", "archived", "unarchived", "edited", "renamed", "transferred", "publicized", "privatized"};
  const bool repository = has(root, "repository");
  // Every kind below is about a repository or an organization: other
  // sources' records with a "status" or "changes" are not taken for one.
  if (!repository && !has(root, "organization")) {
    return action == "revoked" && has(root, "sender") ? "github_app_authorization" : std::string_view{};
  }
  if (has(root, "sha") && has(root, "context")) return "status";
  if (has(root, "new_property_values")) return "custom_property_values";
  if (has(root, "definition")) return "custom_property";
  if (action.empty()) {
    if (has(root, "status")) return "repository_import";
    if (has(root, "changes")) return "security_and_analysis";
    return repository ? "public" : std::string_view{};
  }
  if (action == "started" && repository) return "watch";
  if ((action == "enabled" || action == "disabled") && repository) return "branch_protection_configuration";
  if (repository && std::find(kRepositoryActions.begin(), kRepositoryActions.end(), action) != kRepositoryActions.end()) {
    return "repository";
  }
  if (has(root, "organization") && (action == "renamed" || action == "deleted")) return "organization";
  return {};
}

std::string workflow_id(std::string_view repo, std::string_view workflow) {
  return "github-workflow:" + std::string(repo) + ":" + std::string(workflow);
}

core::Principal user(JsonReader& r, const std::string& at) {
  const std::string login(r.text(at + "/login"));
  return {login, github_login_kind(login, r.text(at + "/type")), {}};
}

constexpr std::int64_t kLatestEpochSecond = 253402300799;  // 9999-12-31

// The first of `candidates` the payload holds, as a time: RFC 3339 text, or
// epoch seconds as some payloads give them (installation,
// repository.pushed_at).
std::optional<core::Timestamp> payload_time(JsonReader& r, std::initializer_list<std::string_view> candidates) {
  for (const auto pointer : candidates) {
    const auto node = r.node(pointer);
    if (node && node->is_int64()) {
      const std::int64_t seconds = std::int64_t(*node);
      if (seconds < 0 || seconds > kLatestEpochSecond) {
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

// A time-stamp member: "created_at", "starred_at", "timestamp"… but not an
// expiry, which lies after the event.
bool time_member(std::string_view key) {
  return (key.ends_with("_at") || key == "timestamp") && key.find("expire") == std::string_view::npos;
}

// The newest time anywhere in the payload: the event cannot be older than
// anything it reports. Values that are not times are passed over.
void newest_time(simdjson::dom::element value, int depth, std::optional<core::Timestamp>& newest) {
  if (depth > 8) return;
  simdjson::dom::array array;
  if (value.get_array().get(array) == simdjson::SUCCESS) {
    for (const auto item : array) newest_time(item, depth + 1, newest);
    return;
  }
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return;
  for (const auto field : object) {
    if (time_member(field.key)) {
      std::optional<core::Timestamp> t;
      std::string_view text;
      std::int64_t seconds = 0;
      if (field.value.get_string().get(text) == simdjson::SUCCESS) {
        t = parse_source_time(text);
      } else if (field.value.get_int64().get(seconds) == simdjson::SUCCESS && seconds >= 0 &&
                 seconds <= kLatestEpochSecond) {
        t = core::Timestamp(std::chrono::seconds(seconds));
      }
      if (t && (!newest || *t > *newest)) newest = t;
    } else {
      newest_time(field.value, depth + 1, newest);
    }
  }
}

EventResult conclusion_result(std::string_view conclusion) {
  return conclusion == "failure" ? EventResult::failure : conclusion.empty() ? EventResult::unknown : EventResult::success;
}

struct Payload {
  JsonReader& r;
  std::string_view kind;
  std::string_view verb;
  std::string_view repo;
  core::AuditEvent& e;
  std::optional<core::Timestamp> time;  // the payload's own, from the kind's fields
};

// Who started, approved and ran workflows: the chain behind a run.
bool workflow_kinds(Payload& p) {
  JsonReader& r = p.r;
  core::AuditEvent& e = p.e;
  if (p.kind == "deployment_review") {
    e.reference = github_run_reference(p.repo, r.scalar_text("/workflow_run/id"));
    if (p.verb == "requested") {
      e.category = EventCategory::request;
      e.actor = user(r, "/requestor");
    } else if (p.verb == "approved") {
      e.category = EventCategory::approval;
      e.actor = user(r, "/approver");
      if (e.actor.id.empty()) e.actor = user(r, "/sender");
    } else if (p.verb == "rejected") {
      e.result = EventResult::denied;
    }
    p.time = payload_time(r, {"/workflow_job_run/updated_at", "/since", "/workflow_run/updated_at"});
  } else if (p.kind == "deployment_status") {
    e.actor = user(r, "/deployment_status/creator");
    p.time = payload_time(r, {"/deployment_status/updated_at", "/deployment_status/created_at"});
  } else if (p.kind == "deployment") {
    e.actor = user(r, "/deployment/creator");
    if (r.node("/workflow_run")) e.reference = github_run_reference(p.repo, r.scalar_text("/workflow_run/id"));
    p.time = payload_time(r, {"/deployment/updated_at", "/deployment/created_at"});
  } else if (p.kind == "workflow_run") {
    e.actor = {workflow_id(p.repo, r.text("/workflow_run/path")), PrincipalKind::workload,
               std::string(r.text("/workflow_run/name"))};
    core::Principal trigger = user(r, "/workflow_run/triggering_actor");
    if (trigger.id.empty()) trigger = user(r, "/workflow_run/actor");
    if (!trigger.id.empty()) e.chain.push_back({Relation::triggered_by, trigger});
    e.reference = github_run_reference(p.repo, r.scalar_text("/workflow_run/id"));
    e.result = conclusion_result(r.text("/workflow_run/conclusion"));
    p.time = payload_time(r, {"/workflow_run/updated_at", "/workflow_run/created_at"});
  } else if (p.kind == "workflow_job") {
    e.actor = {workflow_id(p.repo, r.text("/workflow_job/workflow_name")), PrincipalKind::workload,
               std::string(r.text("/workflow_job/name"))};
    e.chain.push_back({Relation::triggered_by, user(r, "/sender")});
    e.reference = github_run_reference(p.repo, r.scalar_text("/workflow_job/run_id"));
    e.result = conclusion_result(r.text("/workflow_job/conclusion"));
    p.time = payload_time(r, {"/workflow_job/completed_at", "/workflow_job/started_at", "/workflow_job/created_at"});
  } else if (p.kind == "check_suite") {
    p.time = payload_time(r, {"/check_suite/updated_at", "/check_suite/created_at"});
  } else if (p.kind == "installation") {
    p.time = payload_time(r, {"/installation/updated_at", "/installation/created_at"});
  } else if (p.kind == "push") {
    p.time = payload_time(r, {"/head_commit/timestamp", "/repository/pushed_at"});
  } else if (p.kind == "repository_dispatch") {
    p.time = payload_time(r, {"/repository/updated_at"});
  } else if (p.kind == "workflow_dispatch") {
    e.category = EventCategory::request;
    p.time = payload_time(r, {"/repository/updated_at"});
  } else {
    return false;
  }
  return true;
}

// Who gained or lost access: the person is the resource, the repository,
// team or organization the account.
bool access_kinds(Payload& p) {
  JsonReader& r = p.r;
  core::AuditEvent& e = p.e;
  const std::string org(r.text("/organization/login"));
  if (p.kind == "member") {
    e.resource = std::string(r.text("/member/login"));
    if (!p.repo.empty()) e.account = std::string(p.repo);
  } else if (p.kind == "membership") {
    e.resource = std::string(r.text("/member/login"));
    e.account = org + "/" + std::string(r.text("/team/slug"));
  } else if (p.kind == "organization") {
    e.resource = std::string(r.text("/membership/user/login"));
    if (e.resource.empty()) e.resource = std::string(r.text("/invitation/login"));
    if (e.resource.empty()) e.resource = std::string(r.text("/invitation/email"));
    if (e.resource.empty()) e.resource = org;
    // Removed from the organization: that person no longer answers for
    // what runs there.
    if (p.verb == "member_removed") {
      e.category = EventCategory::lifecycle;
      e.signals.push_back("offboarded");
    }
  } else if (p.kind == "team" || p.kind == "team_add") {
    if (p.repo.empty()) e.resource = "team:" + org + "/" + std::string(r.text("/team/slug"));
    e.account = org;
  } else {
    return false;
  }
  if (p.verb == "added" || p.verb == "member_added") e.signals.push_back("access_granted");
  return true;
}

// Credentials issued and revoked, approvals of tokens, protections lifted.
bool credential_kinds(Payload& p) {
  JsonReader& r = p.r;
  core::AuditEvent& e = p.e;
  if (p.kind == "deploy_key") {
    // The key's id names it; the public key itself is kept only in the raw record.
    if (p.verb == "created") {
      e.category = EventCategory::credential_issued;
      e.issued_credential = "github-deploy-key:" + std::string(p.repo) + "/" + r.scalar_text("/key/id");
      e.signals.push_back("deploy_key_created");
    }
  } else if (p.kind == "personal_access_token_request") {
    e.reference = "github-pat-request:" + std::string(r.text("/organization/login")) + "/" +
                  r.scalar_text("/personal_access_token_request/id");
    if (p.verb == "created") {
      e.category = EventCategory::request;
      const core::Principal owner = user(r, "/personal_access_token_request/owner");
      if (!owner.id.empty()) e.actor = owner;
    } else if (p.verb == "approved") {
      e.category = EventCategory::approval;
    } else if (p.verb == "denied") {
      e.result = EventResult::denied;
    }
  } else if (p.kind == "github_app_authorization") {
    if (p.verb == "revoked") e.signals.push_back("app_authorization_revoked");
  } else if (p.kind == "branch_protection_rule") {
    if (p.verb == "deleted") e.signals.push_back("branch_protection_removed");
  } else if (p.kind == "repository" || p.kind == "public") {
    if (p.kind == "public" || p.verb == "publicized") e.signals.push_back("repository_made_public");
  } else {
    return false;
  }
  return true;
}

}  // namespace

PrincipalKind github_login_kind(std::string_view login, std::string_view type) {
  if (type == "Bot" || login.ends_with("[bot]")) return PrincipalKind::workload;
  return PrincipalKind::human;
}

std::string github_run_reference(std::string_view repo, std::string_view run_id) {
  return "github-run:" + std::string(repo) + "/" + std::string(run_id);
}

bool github_sent_by_nobody(simdjson::dom::element payload) {
  if (!payload.is_object() || has(payload, "sender")) return false;
  // Payloads GitHub sends without a sender still name where they happened
  // (a repository, organization, installation or enterprise), or are a
  // global advisory; a record of another source with a "release" or "rule"
  // member is none of these.
  const bool github_context = has(payload, "repository") || has(payload, "organization") ||
                              has(payload, "installation") || has(payload, "enterprise");
  return (github_context && !github_webhook_kind(payload).empty()) || has(payload, "security_advisory/ghsa_id");
}

std::string_view github_webhook_kind(simdjson::dom::element payload) {
  if (!payload.is_object()) return {};
  const std::string_view action = action_of(payload);
  for (const auto& rule : kKindRules) {
    if (rule.without_action && !action.empty()) continue;
    if (has(payload, rule.with[0]) && (rule.with[1].empty() || has(payload, rule.with[1]))) return rule.kind;
  }
  return kind_by_action(payload, action);
}

std::string github_webhook(JsonReader& r, std::string_view kind, std::optional<core::Timestamp> delivered,
                           core::AuditEvent& e) {
  const std::string_view repo = r.text("/repository/full_name");
  Payload p{r, kind.empty() ? github_webhook_kind(r.root()) : kind, r.text("/action"), repo, e, std::nullopt};
  if (p.kind.empty()) p.kind = "webhook";
  e.account = std::string(r.text("/organization/login"));
  if (e.account.empty()) e.account = std::string(r.text("/repository/owner/login"));
  e.resource = std::string(repo);
  if (e.resource.empty()) e.resource = std::string(r.text("/organization/login"));
  e.actor = user(r, "/sender");
  e.result = EventResult::success;
  if (!workflow_kinds(p) && !access_kinds(p)) credential_kinds(p);
  if (!r.ok()) return {};
  // The delivery's time is the event's; without it, the payload's own
  // time for the kind, else the newest it holds.
  std::optional<core::Timestamp> time = delivered ? delivered : p.time;
  if (!time) newest_time(r.root(), 0, time);
  e.action = "github:" + std::string(p.kind) + (p.verb.empty() ? "" : "." + std::string(p.verb));
  if (!time) return "a " + std::string(p.kind) + " webhook payload with no time in it (the delivery's time travels in a header)";
  if (e.actor.id.empty()) return "a " + std::string(p.kind) + " webhook payload that names no actor";
  e.time = *time;
  return {};
}

}  // namespace mandate::ingest
