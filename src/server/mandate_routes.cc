// Mandates over REST: issue to the executor, attenuate, revoke, and the
// runtime decision (the CLI's `authorize`). Token exchange (oauth_routes.cc)
// is the standard way to get the same mandate.
#include <utility>

#include "broker/records.h"
#include "broker/views.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {
namespace {

broker::DecisionRequest decision_request(const Request& request) {
  const auto body = json_body(request);
  broker::DecisionRequest d;
  d.token = text_field(body, "token");
  d.proof = optional_text(body, "proof").value_or("");
  d.action = text_field(body, "action");
  d.resource = text_field(body, "resource");
  if (body.contains("context")) d.context_json = body.at("context").dump();
  d.traceparent = request.header("traceparent") ? std::optional<std::string>(*request.header("traceparent")) : std::nullopt;
  d.certificate_thumbprint = optional_text(body, "certificate_thumbprint");
  d.audience = optional_text(body, "audience");
  if (body.contains("http_request")) {
    const auto& http = body.at("http_request");
    if (!http.is_object()) fail(ErrorKind::bad_input, "request body: \"http_request\" must be an object {method, uri}");
    d.http_request = broker::HttpRequest{text_field(http, "method"), text_field(http, "uri")};
  }
  return d;
}

Response decision_answer(const broker::DecisionResult& result) {
  if (auto text = broker::decision_answer_text(result)) return json_response(200, std::move(*text));
  return json_ok(broker::to_json(result));
}

// A mandate-bound decision. Served on the network thread that read it
// (serve.cc) when nothing in it waits: a caller known from memory and a
// decision the broker can make without waiting (Broker::
// authorize_without_waiting), answered once it is durable without holding
// a thread; one whose task has a decision in flight waits for its turn
// without holding one either, and is decided on a network thread then.
// Anything else is handed off to the handler pool and decided there,
// waiting for its commit.
RouteHandler decision_endpoint(Application& app) {
  return [&app](Request& request, const PathParameters&) {
    if (!request.on_network_thread) {
      const auto who = app.authenticate(request, Access::workload);
      const auto result = app.broker().authorize(decision_request(request), who.caller);
      app.metrics().observe_decision(result.allow);
      return decision_answer(result);
    }
    const auto who = app.authenticate_from_memory(request, Access::workload);
    if (!who) return Response::handed_off();
    auto deferred = std::make_shared<DeferredResponse>();
    auto done = [&app, deferred](const broker::DecisionResult* result, std::exception_ptr error) {
      if (error) return deferred->complete(error_answer(error));
      app.metrics().observe_decision(result->allow);
      deferred->complete(decision_answer(*result));
    };
    if (!app.broker().authorize_without_waiting(decision_request(request), who->caller, std::move(done),
                                                request.later_on_network_thread)) {
      return Response::handed_off();
    }
    return answered_later(std::move(deferred), who->caller.actor_id);
  };
}

}  // namespace

void add_mandate_routes(Router& router, Application& app) {
  router.add("POST", "/v1/tasks/{id}/mandates", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::workload);
    // Over mTLS the mandate is bound to the client certificate (RFC 8705).
    return json_ok(broker::to_json(app.broker().issue(who.caller, p.at("id"), who.certificate_thumbprint)), 201);
  }));
  router.add("POST", "/v1/mandates/attenuate", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::workload);
    const auto body = json_body(request);
    broker::Broker::Attenuation a;
    a.parent_token = text_field(body, "parent_token");
    a.parent_proof = text_field(body, "parent_proof");
    a.executor = optional_text(body, "executor");
    if (!body.contains("scope")) fail(ErrorKind::bad_input, "request body: \"scope\" is required");
    a.scope = broker::scope_from_json(body.at("scope"));
    const auto ttl = broker::parse_duration(text_field(body, "ttl"));
    if (!ttl) fail(ErrorKind::bad_input, "request body: \"ttl\" must be a duration such as \"5m\"");
    a.ttl = *ttl;
    if (body.contains("max_uses")) {
      if (!body.at("max_uses").is_number_unsigned()) fail(ErrorKind::bad_input, "request body: \"max_uses\" must be a positive integer");
      a.max_uses = body.at("max_uses").get<std::uint32_t>();
    }
    return json_ok(broker::to_json(app.broker().attenuate(a)), 201);
  }));
  router.add("POST", "/v1/mandates/{jti}/revoke", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    const auto r = app.broker().revoke_mandate(who.caller, p.at("jti"), text_field(json_body(request), "reason"));
    return json_ok({{"jti", p.at("jti")}, {"revoked", true}, {"ledger_index", r.ledger_index}});
  }));
  // The resource server asks; the answer (allow or deny) is 200 either way.
  router.add("POST", "/v1/decisions", guarded(decision_endpoint(app)));
}

}  // namespace mandate::server
