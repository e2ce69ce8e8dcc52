// The investigator's view: a task's (or mandate's, or decision's) whole
// chain, and the offline-verifiable evidence bundle about a task.
#include "broker/trace.h"
#include "home/evidence.h"
#include "server/internal/witnessing.h"
#include "home/home.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

void add_trace_routes(Router& router, Application& app) {
  router.add("GET", "/v1/trace/{id}", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    const auto format = request.query_parameter("format").value_or("json");
    const auto trace = broker::build_trace(app.home().store(), app.home().ledger(), p.at("id"));
    if (format == "json") return json_ok(broker::render_json(trace));
    Response r;
    if (format == "text") {
      r.content_type = "text/plain; charset=utf-8";
      r.body = broker::render_text(trace);
    } else if (format == "dot") {
      r.content_type = "text/vnd.graphviz";
      r.body = broker::render_dot(trace);
    } else {
      fail(ErrorKind::bad_input, "format must be json, text or dot");
    }
    return r;
  }));
  router.add("GET", "/v1/evidence/{task}", guarded([&app](Request& request, const PathParameters& p) {
    const auto who = app.authenticate(request, Access::human);
    home::WitnessNow witness_now;
    if (Witnessing* witnessing = app.witnessing()) {
      witness_now = [witnessing](std::uint64_t size) { return witnessing->witnessed_covering(size); };
    }
    return json_ok(home::export_evidence(app.home(), p.at("task"), witness_now));
  }));
}

}  // namespace mandate::server
