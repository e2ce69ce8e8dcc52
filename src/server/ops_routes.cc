// Operations: liveness, readiness and Prometheus metrics. Unauthenticated,
// as load balancers and scrapers expect; they reveal counts and store
// errors, never content. The listener runs /healthz and /readyz apart from
// the handler pool (ListenSettings::priority_paths), so they answer while
// every handler is busy.
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

void add_ops_routes(Router& router, Application& app) {
  router.add("GET", "/healthz", [](Request&, const PathParameters&) {
    Response r;
    r.content_type = "text/plain";
    r.body = "ok\n";
    return r;
  });
  // Ready: the store answers reads and takes writes (see Application::readiness).
  router.add("GET", "/readyz", [&app](Request&, const PathParameters&) {
    const Readiness state = app.readiness();
    Response r;
    r.content_type = "text/plain";
    r.status = state.ready ? 200 : 503;
    // Ready with a warning (the witnesses' quorum, when it is not required
    // for readiness) still says what is wrong.
    r.body = state.ready ? (state.why_not.empty() ? "ready\n" : "ready, but " + state.why_not + "\n")
                         : "not ready: " + state.why_not + "\n";
    return r;
  });
  router.add("GET", "/metrics", [&app](Request&, const PathParameters&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = app.metrics().render();
    return r;
  });
}

}  // namespace mandate::server
