#include "authzen/internal/mandate_bound.h"

#include "authzen/internal/mapping.h"
#include "core/error.h"
#include "token/jws.h"

namespace mandate::authzen {
namespace {

// A credential from subject.properties; errors name the field, never the value.
const std::string& credential(const nlohmann::json& properties, const char* key) {
  const auto it = properties.find(key);
  if (it == properties.end()) fail(ErrorKind::bad_input, std::string("subject.properties.") + key + ": missing");
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    fail(ErrorKind::bad_input, std::string("subject.properties.") + key + ": expected a compact JWS string");
  }
  return it->get_ref<const std::string&>();
}

}  // namespace

bool is_mandate_bound(const nlohmann::json& request) {
  const auto subject = request.find("subject");
  return subject != request.end() && subject->is_object() && subject->value("type", nlohmann::json()) == "mandate";
}

nlohmann::json decide_mandate_bound(broker::Broker& broker, const CallContext& call, const nlohmann::json& request) {
  const broker::EntityRef subject = parse_entity(*object_member(request, "subject", "subject", true), "subject", true);
  const broker::EntityRef action = parse_action(*object_member(request, "action", "action", true), "action");
  const broker::EntityRef resource = parse_entity(*object_member(request, "resource", "resource", true), "resource", true);
  if (action.type != "Action") fail(ErrorKind::bad_input, "action.name: a mandate action is a plain name");

  broker::DecisionRequest decision;
  decision.token = credential(subject.attributes, "token");
  // A certificate-bound mandate (RFC 8705) is proven by the client
  // certificate the presenter used with the resource server, which passes
  // its x5t#S256 on; every other mandate by a proof of possession.
  if (const auto x5t = subject.attributes.find("x5t#S256"); x5t != subject.attributes.end()) {
    if (!x5t->is_string()) fail(ErrorKind::bad_input, "subject.properties.x5t#S256: expected a string");
    decision.certificate_thumbprint = x5t->get<std::string>();
  } else {
    decision.proof = credential(subject.attributes, "proof");
  }
  // The HTTP request the mandate came with, when it came with one: its
  // proof is then a standard DPoP proof of that request (RFC 9449).
  if (const auto http = subject.attributes.find("http_request"); http != subject.attributes.end()) {
    if (!http->is_object() || !http->contains("method") || !http->contains("uri") || !http->at("method").is_string() ||
        !http->at("uri").is_string()) {
      fail(ErrorKind::bad_input, "subject.properties.http_request: expected {\"method\": string, \"uri\": string}");
    }
    decision.http_request = broker::HttpRequest{http->at("method").get<std::string>(), http->at("uri").get<std::string>()};
  }
  // The resource server deciding, when it knows itself by another name than
  // its registered actor id (e.g. its RFC 8707 resource indicator).
  if (const auto audience = resource.attributes.find("audience"); audience != resource.attributes.end()) {
    if (!audience->is_string()) fail(ErrorKind::bad_input, "resource.properties.audience: expected a string");
    decision.audience = audience->get<std::string>();
  }
  decision.action = action.id;
  decision.resource = resource.id;
  decision.action_properties = action.attributes;
  if (const auto* context = object_member(request, "context", "context", false)) decision.context_json = context->dump();
  decision.traceparent = call.traceparent;

  // The subject names the mandate it presents; a token for another one is a
  // confused request, refused before anything is recorded.
  const auto decoded = token::decode_compact(decision.token);
  if (!decoded) fail(ErrorKind::bad_input, "subject.properties.token: not a compact JWS");
  if (decoded->payload.value("jti", "") != subject.id) {
    fail(ErrorKind::bad_input, "subject.id: is not the jti of the presented mandate");
  }

  const broker::DecisionResult r = broker.authorize(decision, call.caller);
  nlohmann::json context = {{"decided_by", r.decided_by}, {"reasons", r.reasons},     {"ledger_index", r.ledger_index},
                            {"mandate_id", r.mandate_id}, {"task_id", r.task_id},     {"policy_set", r.policy_set_hash}};
  if (!r.policy_errors.empty()) context["policy_errors"] = r.policy_errors;
  return {{"decision", r.allow}, {"context", std::move(context)}};
}

}  // namespace mandate::authzen
