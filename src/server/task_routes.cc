// Tasks, approvals, outcomes, break-glass and its reviews, and the stream
// of task changes the console's pages listen to.
#include <algorithm>
#include <charconv>
#include <functional>

#include "broker/records.h"
#include "broker/views.h"
#include "core/outcome.h"
#include "core/error.h"
#include "encoding/url.h"
#include "server/internal/application.h"
#include "server/internal/console_state.h"
#include "server/internal/task_events.h"
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

std::vector<core::TaskState> states(const std::string& list) {
  std::vector<core::TaskState> out;
  std::size_t from = 0;
  while (from <= list.size()) {
    const auto comma = list.find(',', from);
    const std::string name = list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    const auto state = core::parse_task_state(name);
    if (!state) {
      fail(ErrorKind::bad_input, "query parameter state: \"" + name +
                                     "\" is not a task state (requested, approved, denied, cancelled, active, "
                                     "completed, expired, revoked; several separated by commas)");
    }
    out.push_back(*state);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return out;
}

broker::TaskFilter task_filter(const QueryParameters& query, const AuthenticatedCaller& who) {
  broker::TaskFilter f;
  f.initiator = query.text("initiator");
  if (query.flag("mine")) {
    if (f.initiator && *f.initiator != who.caller.actor_id) {
      fail(ErrorKind::bad_input, "query parameters mine=true and initiator name different people");
    }
    f.initiator = who.caller.actor_id;
  }
  f.executor = query.text("executor");
  f.approver = query.text("approver");
  f.resource = query.text("resource");
  if (const auto list = query.text("state")) f.states = states(*list);
  f.since = query.time("since");
  f.until = query.time("until");
  return f;
}

// The tasks the caller may approve or deny now, as a person deciding reads them.
Response waiting_for(const Application& app, const AuthenticatedCaller& who, const std::string& whom,
                     const QueryParameters& query) {
  if (whom != "me") fail(ErrorKind::bad_input, "query parameter waiting_for must be \"me\"");
  if (query.text("mine") || query.text("initiator") || query.text("executor") || query.text("approver") ||
      query.text("state") || query.text("resource") || query.text("since") || query.text("until")) {
    fail(ErrorKind::bad_input, "query parameter waiting_for=me takes no other filter");
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& awaiting : app.broker().waiting_for(who.caller.actor_id)) {
    auto item = broker::to_json(awaiting);
    const auto& ref = awaiting.task.task.external_ref;
    const std::string& url_template = app.config().change_url_template;
    item["change_url"] = ref && !url_template.empty() ? nlohmann::json(encoding::change_url(url_template, *ref))
                                                      : nlohmann::json(nullptr);
    out.push_back(std::move(item));
  }
  return json_ok(out);
}

// Whether a listener admitted at the start of its stream still would be:
// its console session live (sign-out and expiry end the stream), its actor
// neither suspended nor offboarded since. Asked on the connection's own
// thread, so it reads only memory: the sessions' map and the feed.
std::function<bool()> still_admitted(const Application& app, const AuthenticatedCaller& who) {
  return [&app, session_id = who.console_session, actor = who.caller.actor_id] {
    if (session_id && !app.console()->sessions.alive(*session_id)) return false;
    return !app.task_events().standing_ended(actor);
  };
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
    const QueryParameters query(request, {"waiting_for", "mine", "initiator", "executor", "approver", "state", "resource",
                                          "since", "until"});
    if (const auto waiting = query.text("waiting_for")) return waiting_for(app, who, *waiting, query);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : app.broker().tasks(task_filter(query, who))) out.push_back(broker::to_json(t));
    return json_ok(out);
  }));
  // Live pages: one event per ledger entry about a task, as it is appended.
  router.add("GET", "/v1/events", guarded([&app](Request& request, const PathParameters&) {
    const auto who = app.authenticate(request, Access::authenticated);
    const QueryParameters takes_none(request, {});
    std::uint64_t from = app.task_events().start_for_new_listener();
    if (const auto last = request.header("last-event-id")) {
      std::uint64_t seen = 0;
      const auto [end, ec] = std::from_chars(last->data(), last->data() + last->size(), seen);
      if (ec != std::errc() || end != last->data() + last->size()) {
        fail(ErrorKind::bad_input, "Last-Event-ID must be the ledger index of an event this stream sent");
      }
      from = seen + 1;
    }
    Response r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("X-Accel-Buffering", "no");  // proxies must pass each event on at once
    r.stream = task_event_stream(app.task_events(), from, still_admitted(app, who));
    r.caller = who.caller.actor_id;
    return r;
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
