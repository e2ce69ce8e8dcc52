// Okta System Log events (LogEvent objects), as GET /api/v1/logs returns
// them, as JSON lines, or as an event hook delivers them ({"data":{"events":
// […]}}, split by the record splitter). Reference:
// https://developer.okta.com/docs/reference/api/system-log/ and the event
// types catalogue https://developer.okta.com/docs/reference/api/event-types/.
//
// People are named by their login (actor/target alternateId), the name the
// other sources and the analyzer's settings use for them (an e-mail address),
// not by Okta's internal 00u… id, which stays in the stored record.
#include "ingest/internal/json_reader.h"
#include "ingest/internal/record_parser.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

// How Okta names the kind of actor: people are "User"; OAuth clients
// (service apps using client credentials) are "PublicClientApp"; Okta itself
// is "SystemPrincipal".
PrincipalKind actor_kind(std::string_view type) {
  if (type == "User") return PrincipalKind::human;
  if (type == "PublicClientApp" || type == "Client" || type == "AppInstance" || type == "Token" || type == "ApiToken") {
    return PrincipalKind::workload;
  }
  if (type == "SystemPrincipal") return PrincipalKind::service;
  return PrincipalKind::unknown;
}

// Okta writes "unknown" where it has no alternate id.
std::string_view known(std::string_view value) { return value == "unknown" ? std::string_view{} : value; }

// An actor or target: login (alternateId) for people, id for the rest.
core::Principal principal(JsonReader& r, const std::string& at) {
  const std::string_view type = r.text(at + "/type");
  const std::string_view id = r.text(at + "/id");
  const std::string_view alternate = known(r.text(at + "/alternateId"));
  const std::string_view display = r.text(at + "/displayName");
  core::Principal p;
  p.kind = actor_kind(type);
  if (p.kind == PrincipalKind::human && !alternate.empty()) {
    p.id = std::string(alternate);
    p.name = std::string(display);
  } else {
    p.id = std::string(!id.empty() ? id : alternate);
    p.name = std::string(!display.empty() ? display : alternate);
  }
  return p;
}

EventResult result_of(std::string_view outcome) {
  if (outcome == "SUCCESS" || outcome == "ALLOW") return EventResult::success;
  if (outcome == "FAILURE") return EventResult::failure;
  if (outcome == "DENY") return EventResult::denied;
  return EventResult::unknown;  // CHALLENGE, SKIPPED, RATE_LIMIT, UNANSWERED, …
}

// The index of the first target of this type, or -1. `target` is a list of
// objects; anything else refuses the record.
int target_of_type(JsonReader& r, std::string_view type) {
  const auto node = r.node("/target");
  if (!node) return -1;
  simdjson::dom::array targets;
  if (node->get_array().get(targets) != simdjson::SUCCESS) {
    r.refuse("target must be an array");
    return -1;
  }
  int i = 0;
  for (const auto t : targets) {
    std::string_view t_type;
    if (!t.is_object()) {
      r.refuse("target must be an array of objects");
      return -1;
    }
    if (t["type"].get(t_type) == simdjson::SUCCESS && (type.empty() || t_type == type)) return i;
    ++i;
  }
  return -1;
}

std::string target_pointer(int index) { return "/target/" + std::to_string(index); }

// What the event was done to: its first target, as a person or by name.
std::string resource_of(JsonReader& r) {
  const int first = target_of_type(r, {});
  if (first < 0) return {};
  const auto p = principal(r, target_pointer(first));
  if (p.kind == PrincipalKind::human) return p.id;
  const std::string_view alternate = known(r.text(target_pointer(first) + "/alternateId"));
  return std::string(!alternate.empty() ? alternate : std::string_view(p.id));
}

bool is_token_grant(std::string_view type) {
  return type.starts_with("app.oauth2.as.token.grant") || type.starts_with("app.oauth2.token.grant");
}

// The token a grant handed out: its target of type access_token (else
// id_token / refresh_token). The id is the token's identifier, never the
// token. A user subject (the person the client acts for) joins the chain.
void token_grant(JsonReader& r, core::AuditEvent& e) {
  e.category = EventCategory::credential_issued;
  int token = target_of_type(r, "access_token");
  if (token < 0) token = target_of_type(r, "id_token");
  if (token < 0) token = target_of_type(r, "refresh_token");
  if (token >= 0) e.issued_credential = std::string(r.text(target_pointer(token) + "/id"));
  const int user = target_of_type(r, "User");
  if (user >= 0) {
    const auto person = principal(r, target_pointer(user));
    if (person.id != e.actor.id) e.chain.push_back({Relation::federated_from, person});
  }
}

// Okta event types that change who may act: a person leaving, suspended or
// back again, a token or role handed out.
void classify(JsonReader& r, std::string_view type, core::AuditEvent& e) {
  const bool succeeded = e.result == EventResult::success;
  if (type == "user.session.start" || type.starts_with("user.authentication.")) {
    e.category = EventCategory::authentication;
    if (e.credential.empty()) e.credential_kind = CredentialKind::password;
  } else if ((type == "user.lifecycle.deactivate" || type == "user.lifecycle.suspend") && succeeded) {
    // Read by the analyzer: machines this person owns lose their owner.
    const int person = target_of_type(r, "User");
    if (person >= 0) {
      e.category = EventCategory::lifecycle;
      e.resource = principal(r, target_pointer(person)).id;
      e.signals.push_back(type == "user.lifecycle.deactivate" ? "offboarded" : "suspended");
    }
  } else if ((type == "user.lifecycle.activate" || type == "user.lifecycle.reactivate" ||
              type == "user.lifecycle.unsuspend") &&
             succeeded) {
    // A person back at work answers for their machines again.
    const int person = target_of_type(r, "User");
    if (person >= 0) {
      e.category = EventCategory::lifecycle;
      e.resource = principal(r, target_pointer(person)).id;
      e.signals.push_back("reinstated");
    }
  } else if (is_token_grant(type) && succeeded) {
    token_grant(r, e);
  } else if (type == "system.api_token.create" && succeeded) {
    e.category = EventCategory::credential_issued;
    const int token = target_of_type(r, "Token");
    if (token >= 0) e.issued_credential = std::string(r.text(target_pointer(token) + "/id"));
  } else if ((type == "user.account.privilege.grant" || type == "group.privilege.grant") && succeeded) {
    e.signals.push_back("admin_policy_attached");
  }
}

class OktaParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "an Okta System Log event must be a JSON object");
    JsonReader r(record);
    const std::string_view type = r.text("/eventType");
    const auto time = r.time("/published");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (!time) return sink.refuse(origin, "missing published");
    if (type.empty()) return sink.refuse(origin, "missing eventType");
    const auto actor = r.node("/actor");
    if (!actor || !actor->is_object()) return sink.refuse(origin, "missing actor");
    core::AuditEvent e;
    e.source = "okta";
    e.time = *time;
    e.actor = principal(r, "/actor");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (e.actor.id.empty()) return sink.refuse(origin, "actor names nobody (no id or alternateId)");
    e.action = "okta:" + std::string(type);
    e.result = result_of(r.text("/outcome/result"));
    e.source_address = std::string(r.text("/client/ipAddress"));
    e.user_agent = std::string(r.text("/client/userAgent/rawUserAgent"));
    e.interactive = e.user_agent.starts_with("Mozilla/");
    // A request made with an API token names the token (SSWS tokens act
    // with their creator's rights, so the actor is still that person).
    e.credential = std::string(r.text("/transaction/detail/requestApiTokenId"));
    if (!e.credential.empty()) e.credential_kind = CredentialKind::token;
    e.resource = resource_of(r);
    classify(r, type, e);
    const std::string_view transaction = r.text("/transaction/id");
    if (!transaction.empty()) e.reference = "okta-transaction:" + std::string(transaction);
    e.source_id = std::string(r.text("/uuid"));
    if (!r.ok()) return sink.refuse(origin, r.error());
    sink.keep(std::move(e), record, origin);
  }
};

}  // namespace

std::unique_ptr<RecordParser> make_okta_parser() { return std::make_unique<OktaParser>(); }

}  // namespace mandate::ingest
