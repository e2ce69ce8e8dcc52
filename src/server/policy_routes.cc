// Cedar policies and entity data for the policy step of every decision.
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

void add_policy_routes(Router& router, Application& app) {
  router.add("PUT", "/v1/policies", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::administrator);
    const auto type = request.header("content-type");
    if (!type || !(media_type_matches(*type, "text/plain") || media_type_matches(*type, "application/cedar"))) {
      fail(ErrorKind::unsupported_media_type, "a policy set is Cedar text (text/plain or application/cedar)");
    }
    const auto loaded = app.broker().load_policies(who.caller, request.body, {"request body"});
    return json_ok({{"policy_set", loaded.hash}, {"policies", loaded.policies}, {"ledger_index", loaded.ledger_index}});
  }));
  router.add("PUT", "/v1/entities", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::administrator);
    const auto type = request.header("content-type");
    if (!type || !media_type_matches(*type, "application/json")) fail(ErrorKind::unsupported_media_type, "entity data is application/json");
    return json_ok({{"ledger_index", app.broker().load_entities(who.caller, request.body).ledger_index}});
  }));
}

}  // namespace mandate::server
