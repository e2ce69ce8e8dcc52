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

// The one admission of every AuthZEN request: a policy enforcement point,
// a JSON body, and what the decision records of the call.
authzen::CallContext admitted(const Request& request, const AuthenticatedCaller& who) {
  // AuthZEN 1.0 (Error Responses) lists 400, 401, 403 and 500 only: a body that is not
  // declared JSON is a bad request there, not 415 as elsewhere here.
  if (!declares_json(request)) {
    fail(ErrorKind::bad_input, "AuthZEN requests are application/json (Content-Type: application/json)");
  }
  authzen::CallContext context;
  context.caller = who.caller;
  if (auto tp = request.header("traceparent")) context.traceparent = std::string(*tp);
  context.certificate_thumbprint = who.certificate_thumbprint;
  return context;
}

authzen::CallContext admitted_call(Application& app, const Request& request) {
  return admitted(request, app.authenticate(request, Access::enforcement_point));
}

RouteHandler decision_endpoint(Application& app, Call call) {
  return [&app, call](Request& request, const PathParameters&) {
    const authzen::CallContext context = admitted_call(app, request);
    Response r = json_ok((app.authzen().*call)(context, request.body));
    r.caller = context.caller.actor_id;
    return r;
  };
}

// One evaluation, answered once its decision is durable without holding a
// handler thread while the disk works (the ledger's group commit tells it).
// Served on the network thread that read it (serve.cc) when nothing in it
// waits: a caller known from memory, a general request and a policy
// snapshot checked within 100 ms; otherwise handed off to the handler pool.
RouteHandler evaluation_endpoint(Application& app) {
  return [&app](Request& request, const PathParameters&) {
    std::optional<authzen::CallContext> context;
    if (request.on_network_thread) {
      const auto who = app.authenticate_from_memory(request, Access::enforcement_point);
      if (!who) return Response::handed_off();
      context = admitted(request, *who);
    } else {
      context = admitted_call(app, request);
    }
    auto deferred = std::make_shared<DeferredResponse>();
    auto done = [&app, deferred, caller = context->caller.actor_id](authzen::Service::Answer answer, std::exception_ptr error) {
      if (error) return deferred->complete(error_answer(error));
      app.metrics().observe_decision(answer.allowed);
      Response r = json_response(200, answer.json);
      r.caller = caller;
      deferred->complete(std::move(r));
    };
    if (!request.on_network_thread) {
      app.authzen().evaluation_async(*context, request.body, std::move(done));
    } else if (!app.authzen().evaluation_without_waiting(*context, request.body, std::move(done))) {
      return Response::handed_off();
    }
    return answered_later(std::move(deferred), context->caller.actor_id);
  };
}

}  // namespace

void add_authzen_routes(Router& router, Application& app) {
  router.add("GET", "/.well-known/authzen-configuration", [&app](Request&, const PathParameters&) {
    return json_ok(app.authzen().configuration());
  });
  router.add("POST", "/access/v1/evaluation", guarded(evaluation_endpoint(app)));
  router.add("POST", "/access/v1/evaluations", guarded(decision_endpoint(app, &authzen::Service::evaluations)));
  router.add("POST", "/access/v1/search/subject", guarded(decision_endpoint(app, &authzen::Service::search_subject)));
  router.add("POST", "/access/v1/search/resource", guarded(decision_endpoint(app, &authzen::Service::search_resource)));
  router.add("POST", "/access/v1/search/action", guarded(decision_endpoint(app, &authzen::Service::search_action)));
}

}  // namespace mandate::server
