// Actors and approval rules: administration, one endpoint per CLI command.
#include "broker/records.h"
#include "broker/rules_file.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

namespace {

core::Actor actor_from_body(const nlohmann::json& body) {
  core::Actor a;
  a.id = text_field(body, "id");
  const auto kind = core::parse_actor_kind(text_field(body, "kind"));
  if (!kind) fail(ErrorKind::bad_input, "request body: \"kind\" must be human, workload or agent");
  a.kind = *kind;
  a.owner = optional_text(body, "owner");
  a.display_name = optional_text(body, "display_name");
  for (const char* list : {"groups", "systems"}) {
    if (!body.contains(list)) continue;
    const auto& items = body.at(list);
    if (!items.is_array()) fail(ErrorKind::bad_input, std::string("request body: \"") + list + "\" must be an array of strings");
    for (const auto& item : items) {
      if (!item.is_string()) fail(ErrorKind::bad_input, std::string("request body: \"") + list + "\" must hold strings only");
      (std::string(list) == "groups" ? a.groups : a.systems).push_back(item.get<std::string>());
    }
  }
  return a;
}

}  // namespace

void add_actor_routes(Router& router, Application& app) {
  router.add("POST", "/v1/actors", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::administrator);
    const auto body = json_body(request);
    const auto recorded = app.broker().add_actor(who.caller, actor_from_body(body), optional_text(body, "public_key"));
    return json_ok({{"actor", body.at("id")}, {"ledger_index", recorded.ledger_index}}, 201);
  }));
  router.add("GET", "/v1/actors", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : app.broker().actors()) out.push_back(broker::to_json(a));
    return json_ok(out);
  }));
  router.add("GET", "/v1/actors/{id}", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::authenticated);
    return json_ok(broker::to_json(app.broker().actor(p.at("id"))));
  }));
  router.add("POST", "/v1/actors/{id}/suspend", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::administrator);
    const auto recorded = app.broker().suspend_actor(who.caller, p.at("id"), text_field(json_body(request), "reason"));
    return json_ok({{"actor", p.at("id")}, {"state", "suspended"}, {"ledger_index", recorded.ledger_index}});
  }));
  router.add("POST", "/v1/actors/{id}/offboard", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::administrator);
    const auto done = app.broker().offboard_actor(who.caller, p.at("id"), text_field(json_body(request), "reason"));
    return json_ok({{"actor", p.at("id")}, {"state", "offboarded"}, {"revoked_mandates", done.revoked_mandates},
                    {"ledger_index", done.ledger_index}});
  }));
  router.add("PUT", "/v1/rules", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::administrator);
    const auto type = request.header("content-type");
    if (!type || !media_type_matches(*type, "application/toml")) fail(ErrorKind::unsupported_media_type, "approval rules are application/toml");
    const auto rules = broker::parse_rules_file(request.body, "request body");
    const auto recorded = app.broker().load_rules(who.caller, rules, request.body);
    return json_ok({{"rules", rules.size()}, {"ledger_index", recorded.ledger_index}});
  }));
  router.add("GET", "/v1/rules", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : app.broker().rules()) out.push_back(broker::to_json(r));
    return json_ok(out);
  }));
}

}  // namespace mandate::server
