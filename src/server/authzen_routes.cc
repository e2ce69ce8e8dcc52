// The OpenID AuthZEN Authorization API 1.0 endpoints; the decisions
// themselves are authzen::Service's. The request id is echoed by the
// listener for every answer.
#include "authzen/service.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

namespace {

using Call = nlohmann::json (authzen::Service::*)(const authzen::CallContext&, std::string_view);

RouteHandler decision_endpoint(Application& app, Call call, bool counts_decisions) {
  return [&app, call, counts_decisions](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::enforcement_point);
    // AuthZEN 1.0 (Error Responses) lists 400, 401, 403 and 500 only: a body that is not
    // declared JSON is a bad request there, not 415 as elsewhere here.
    if (!declares_json(request)) {
      fail(ErrorKind::bad_input, "AuthZEN requests are application/json (Content-Type: application/json)");
    }
    authzen::CallContext context;
    context.caller = who.caller;
    if (auto tp = request.header("traceparent")) context.traceparent = std::string(*tp);
    context.certificate_thumbprint = who.certificate_thumbprint;
    const nlohmann::json answer = (app.authzen().*call)(context, request.body);
    if (counts_decisions && answer.contains("decision")) app.metrics().observe_decision(answer["decision"] == true);
    Response r = json_ok(answer);
    r.caller = who.caller.actor_id;
    return r;
  };
}

}  // namespace

void add_authzen_routes(Router& router, Application& app) {
  router.add("GET", "/.well-known/authzen-configuration", [&app](Request&, const PathParameters&) {
    return json_ok(app.authzen().configuration());
  });
  router.add("POST", "/access/v1/evaluation", guarded(decision_endpoint(app, &authzen::Service::evaluation, true)));
  router.add("POST", "/access/v1/evaluations", guarded(decision_endpoint(app, &authzen::Service::evaluations, false)));
  router.add("POST", "/access/v1/search/subject", guarded(decision_endpoint(app, &authzen::Service::search_subject, false)));
  router.add("POST", "/access/v1/search/resource", guarded(decision_endpoint(app, &authzen::Service::search_resource, false)));
  router.add("POST", "/access/v1/search/action", guarded(decision_endpoint(app, &authzen::Service::search_action, false)));
}

}  // namespace mandate::server
