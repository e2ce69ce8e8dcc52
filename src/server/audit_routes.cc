// The auditor's searches: recorded decisions by task, executor, resource and
// time, read back from the ledger; and the findings of the log analysis over
// the events imported into this home (`mandate ingest`), with the events
// behind each. Humans only, as trace and evidence are.
#include "analyze/analyzer.h"
#include "analyze/report_json.h"
#include "broker/views.h"
#include "core/error.h"
#include "home/home.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {
namespace {

Response decisions(Application& app, Request& request) {
  const auto who = app.authenticate(request, Access::human);
  const QueryParameters query(request, {"task", "executor", "resource", "since", "until", "limit"});
  broker::DecisionQuery q;
  q.task = query.text("task");
  q.executor = query.text("executor");
  q.resource = query.text("resource");
  q.since = query.time("since");
  q.until = query.time("until");
  q.limit = query.count("limit", 1, 1000, 100);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& found : app.broker().decisions(q)) out.push_back(broker::to_json(found));
  return json_ok(out);
}

// Each finding with the events it names as evidence (at most the
// analyzer's evidence limit), so a reader sees what happened, not ids.
nlohmann::json finding_with_events(store::EventStore& events, const analyze::Finding& finding) {
  nlohmann::json item = analyze::to_json(finding);
  nlohmann::json shown = nlohmann::json::array();
  for (const auto& id : finding.evidence) {
    if (auto event = events.event(id)) shown.push_back(analyze::to_json(*event));
  }
  item["events"] = std::move(shown);
  return item;
}

Response findings(Application& app, Request& request) {
  const auto who = app.authenticate(request, Access::human);
  const QueryParameters query(request, {"since", "as_of"});
  const home::Home& home = app.home();
  const auto config = analyze::read_config_if_present(home.dir() / "analyze.toml");
  // Opened per request: the importer (`mandate ingest`) writes the same file
  // from another process, and the analysis reads everything anyway.
  const auto events = home.open_event_store();
  const auto analysis = analyze::analyze(*events, config, {query.time("since"), query.time("as_of")});
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : analysis.findings) out.push_back(finding_with_events(*events, f));
  return json_ok({{"as_of", core::format_timestamp(analysis.as_of)}, {"events", analysis.events}, {"findings", out}});
}

}  // namespace

void add_audit_routes(Router& router, Application& app) {
  router.add("GET", "/v1/decisions", guarded([&app](Request& request, const PathParameters&) {
    return decisions(app, request);
  }));
  router.add("GET", "/v1/findings", guarded([&app](Request& request, const PathParameters&) {
    return findings(app, request);
  }));
}

}  // namespace mandate::server
