// GitHub: audit log entries (organization/enterprise/user audit log export),
// Actions OIDC token claim sets, and webhook payloads of every event type
// (github_webhooks.cc), bare or in a delivery that names event and delivery.
#include <algorithm>
#include <cctype>

#include "ingest/internal/github_webhooks.h"
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
  e.actor = {actor, github_login_kind(actor), {}};
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
    e.reference = github_run_reference(e.resource, r.scalar_text("/workflow_run_id"));
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
  if (!actor.empty()) e.chain.push_back({Relation::triggered_by, {std::string(actor), github_login_kind(actor), {}}});
  e.credential = std::string(r.text("/jti"));
  e.credential_kind = CredentialKind::oidc_token;
  e.category = EventCategory::authentication;
  e.action = "github:actions.oidc_token";
  e.resource = std::string(repo);
  e.account = std::string(r.text("/repository_owner"));
  e.reference = github_run_reference(repo, r.scalar_text("/run_id"));
  e.result = EventResult::success;
}

// A webhook delivery as it is exported with its headers, which name the
// event and the delivery:
// - {"event":"…","delivery":"…","payload":{…}} (delivery logs, smee/hookdeck-style exports);
// - {"headers":{"X-GitHub-Event":…,"X-GitHub-Delivery":…},"body":{…} or "<JSON text>"};
// - the REST API's delivery (GET /repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery_id},
//   https://docs.github.com/en/rest/repos/webhooks#get-a-delivery-for-a-repository-webhook):
//   {"guid","delivered_at","event","request":{"headers":{…},"payload":{…}}}.
struct Delivery {
  std::optional<simdjson::dom::element> payload;  // unset: the record is no delivery
  std::string_view event;
  std::string_view id;
  std::optional<core::Timestamp> time;
  std::string refusal;
};

std::string_view string_member(simdjson::dom::element object, std::string_view key) {
  std::string_view out;
  if (object.at_key(key).get_string().get(out) != simdjson::SUCCESS) return {};
  return out;
}

// A header by name, whatever its case; a value listed as ["…"] counts too.
std::string_view header(simdjson::dom::element headers, std::string_view name) {
  simdjson::dom::object object;
  if (headers.get_object().get(object) != simdjson::SUCCESS) return {};
  for (const auto field : object) {
    if (field.key.size() != name.size() ||
        !std::equal(name.begin(), name.end(), field.key.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); })) {
      continue;
    }
    std::string_view value;
    if (field.value.get_string().get(value) == simdjson::SUCCESS) return value;
    simdjson::dom::element first;
    if (field.value.at(0).get(first) == simdjson::SUCCESS && first.get_string().get(value) == simdjson::SUCCESS) return value;
  }
  return {};
}

class DeliveryReader {
 public:
  Delivery read(simdjson::dom::element record) {
    Delivery d;
    simdjson::dom::element headers, body, request;
    if (record.at_key("payload").get(body) == simdjson::SUCCESS &&
        (!string_member(record, "event").empty() || !string_member(record, "delivery").empty())) {
      d.event = string_member(record, "event");
      d.id = string_member(record, "delivery");
    } else if (record.at_key("headers").get(headers) == simdjson::SUCCESS &&
               record.at_key("body").get(body) == simdjson::SUCCESS) {
      d.event = header(headers, "X-GitHub-Event");
      d.id = header(headers, "X-GitHub-Delivery");
    } else if (record.at_key("request").get(request) == simdjson::SUCCESS && request.is_object() &&
               request.at_key("payload").get(body) == simdjson::SUCCESS && !string_member(record, "guid").empty()) {
      d.event = string_member(record, "event");
      d.id = string_member(record, "guid");
      if (request.at_key("headers").get(headers) == simdjson::SUCCESS && d.event.empty()) {
        d.event = header(headers, "X-GitHub-Event");
      }
    } else {
      return d;
    }
    // When the export kept it, the time the delivery was sent or received.
    for (const std::string_view key : {"delivered_at", "received_at", "timestamp"}) {
      if (d.time || !d.refusal.empty()) break;
      if (const auto at = string_member(record, key); !at.empty()) {
        d.time = parse_source_time(at);
        if (!d.time) d.refusal = std::string(key) + " is not an RFC 3339 time";
      }
    }
    // Some exports keep the body as the text that was posted.
    std::string_view text;
    if (body.get_string().get(text) == simdjson::SUCCESS) {
      if (!allocated_ && inner_.allocate(std::max<std::size_t>(text.size(), 4096), 64) != simdjson::SUCCESS) {
        d.refusal = "cannot allocate a parser for the delivery's body";
        return d;
      }
      allocated_ = true;
      if (const auto code = inner_.parse(text.data(), text.size(), true).get(body); code != simdjson::SUCCESS) {
        d.refusal = std::string("the delivery's body is not valid JSON (") + simdjson::error_message(code) + ")";
        return d;
      }
    }
    if (!body.is_object()) d.refusal = "a webhook delivery's payload must be a JSON object";
    d.payload = body;
    return d;
  }

 private:
  simdjson::dom::parser inner_;
  bool allocated_ = false;
};

class GitHubParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "a GitHub record must be a JSON object");
    const Delivery delivery = deliveries_.read(record);
    if (!delivery.refusal.empty()) return sink.refuse(origin, delivery.refusal);
    const simdjson::dom::element payload = delivery.payload.value_or(record);
    JsonReader r(payload);
    core::AuditEvent e;
    e.source = "github";
    std::string skip;
    if (!delivery.payload && r.text("/iss") == kActionsIssuer) {
      oidc_claims(r, e);
    } else if (!delivery.payload && !r.text("/action").empty() && (r.node("/@timestamp") || r.node("/created_at")) &&
               !r.node("/sender")) {
      audit_entry(r, e);
    } else if (r.ok() && r.node("/sender")) {
      skip = github_webhook(r, delivery.event, delivery.time, e);
    } else if (r.ok() && (delivery.payload || github_sent_by_nobody(payload))) {
      // security_advisory and the like are sent by nobody.
      const std::string_view kind = delivery.payload ? delivery.event : github_webhook_kind(payload);
      skip = "a " + std::string(kind.empty() ? "webhook" : kind) + " webhook payload without a sender names nobody";
    } else if (r.ok()) {
      r.refuse("not a GitHub audit entry, Actions OIDC claim set, or webhook payload");
    }
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (!skip.empty()) return sink.skip(skip);
    if (e.actor.id.empty()) return sink.refuse(origin, "names no actor");
    e.source_id = std::string(delivery.id);
    if (e.source_id.empty()) e.source_id = std::string(r.text("/_document_id"));
    if (e.source_id.empty()) e.source_id = std::string(r.text("/jti"));
    sink.keep(std::move(e), payload, origin);
  }

 private:
  DeliveryReader deliveries_;
};

}  // namespace

std::unique_ptr<RecordParser> make_github_parser() { return std::make_unique<GitHubParser>(); }

}  // namespace mandate::ingest
