// Tasks, approvals, outcomes, break-glass and its reviews.
#include <algorithm>

#include "broker/records.h"
#include "broker/views.h"
#include "core/outcome.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

namespace {

broker::TaskRequest task_request(const nlohmann::json& body) {
  broker::TaskRequest r;
  r.intent = text_field(body, "intent");
  r.ref = optional_text(body, "ref");
  r.executor = text_field(body, "executor");
  if (!body.contains("scope")) fail(ErrorKind::bad_input, "request body: \"scope\" (RFC 9396 authorization_details) is required");
  r.scope = broker::scope_from_json(body.at("scope"));
  if (body.contains("audience")) {
    const auto& audience = body.at("audience");
    if (!audience.is_array() || !std::all_of(audience.begin(), audience.end(), [](const auto& a) { return a.is_string(); })) {
      fail(ErrorKind::bad_input, "request body: \"audience\" must be an array of resource-server identifiers");
    }
    r.audience = audience.get<std::vector<std::string>>();
  }
  const auto duration = broker::parse_duration(text_field(body, "duration"));
  if (!duration) fail(ErrorKind::bad_input, "request body: \"duration\" must be a duration such as \"30m\"");
  r.duration = *duration;
  return r;
}

nlohmann::json approval_answer(const std::string& task, const broker::Broker::ApprovalRecorded& r) {
  return {{"task", task}, {"task_state", r.task_state}, {"rule_status", r.rule_status}, {"ledger_index", r.ledger_index}};
}

}  // namespace

void add_task_routes(Router& router, Application& app) {
  router.add("POST", "/v1/tasks", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::human);
    const auto created = app.broker().request_task(who.caller, task_request(json_body(request)));
    return json_ok({{"task", created.task_id}, {"rules", created.rules}, {"ledger_index", created.ledger_index}}, 201);
  }));
  router.add("GET", "/v1/tasks", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : app.broker().tasks()) out.push_back(broker::to_json(t));
    return json_ok(out);
  }));
  router.add("GET", "/v1/tasks/{id}", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::authenticated);
    return json_ok(broker::to_json(app.broker().task(p.at("id"))));
  }));
  router.add("POST", "/v1/tasks/{id}/cancel", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    const auto r = app.broker().cancel(who.caller, p.at("id"), text_field(json_body(request), "reason"));
    return json_ok({{"task", p.at("id")}, {"state", "cancelled"}, {"revoked_mandates", r.revoked_mandates},
                    {"ledger_index", r.ledger_index}});
  }));
  router.add("POST", "/v1/tasks/{id}/approvals", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    const auto body = json_body(request);
    return json_ok(approval_answer(p.at("id"), app.broker().approve(who.caller, p.at("id"), optional_text(body, "comment").value_or(""))));
  }));
  router.add("POST", "/v1/tasks/{id}/denials", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    return json_ok(approval_answer(p.at("id"), app.broker().deny(who.caller, p.at("id"), text_field(json_body(request), "reason"))));
  }));
  router.add("POST", "/v1/tasks/{id}/outcome", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::authenticated);
    const auto body = json_body(request);
    const auto result = core::parse_outcome_result(text_field(body, "outcome"));
    if (!result) fail(ErrorKind::bad_input, "request body: \"outcome\" must be success or failure");
    const auto r = app.broker().complete(who.caller, p.at("id"), *result, optional_text(body, "result_digest").value_or(""));
    return json_ok({{"task", p.at("id")}, {"state", "completed"}, {"ledger_index", r.ledger_index}});
  }));
  router.add("POST", "/v1/tasks/break-glass", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::human);
    const auto body = json_body(request);
    const auto done = app.broker().break_glass(who.caller, task_request(body), text_field(body, "reason"));
    const auto view = app.broker().task(done.task.task_id);
    return json_ok({{"task", done.task.task_id},
                    {"token", done.mandate.token},
                    {"jti", done.mandate.record.mandate.id},
                    {"expires_at", core::format_timestamp(done.mandate.record.mandate.expires_at)},
                    {"review_deadline", view.record.review ? core::format_timestamp(view.record.review->deadline) : ""},
                    {"ledger_index", done.mandate.ledger_index}},
                   201);
  }));
  router.add("GET", "/v1/reviews", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::human);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : app.broker().pending_reviews()) {
      auto item = broker::to_json(r.task);
      item["overdue"] = r.overdue;
      out.push_back(std::move(item));
    }
    return json_ok(out);
  }));
  router.add("POST", "/v1/reviews/{task}", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    const auto body = json_body(request);
    const auto r = app.broker().approve_review(who.caller, p.at("task"), optional_text(body, "comment").value_or(""));
    return json_ok({{"task", p.at("task")}, {"review", "approved"}, {"ledger_index", r.ledger_index}});
  }));
}

}  // namespace mandate::server
