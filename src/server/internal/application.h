#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// The server's use of one mandate home: the broker, caller authentication,
// the decision API, metrics and the access log, behind one router. Route
// files (ops, workflow, oauth, ledger, authzen) add their endpoints here.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "broker/broker.h"
#include "console/sessions.h"
#include "server/internal/access_log.h"
#include "server/config.h"
#include "server/internal/http_message.h"
#include "server/internal/metrics.h"
#include "server/internal/router.h"

namespace mandate::home {
class Home;
}
namespace mandate::identity {
class Authenticator;
class JwksFetcher;
}
namespace mandate::authzen {
class Service;
}

namespace mandate::server {

struct ConsoleState;
class TaskEventFeed;
class Witnessing;

struct Readiness {
  bool ready = false;
  std::string why_not;  // for the /readyz body: which part of the store failed
};

// Who may call an endpoint. Fixed by the endpoint, not configurable: a
// workload never approves, a human never presents a mandate, and only what
// broker::may_ask_decisions allows asks the decision API.
enum class Access { authenticated, human, workload, administrator, enforcement_point };

struct AuthenticatedCaller {
  broker::Caller caller;
  std::optional<std::string> certificate_thumbprint;  // x5t#S256, when an X.509-SVID authenticated it
  std::optional<std::string> console_session;         // the session's id, when a console session authenticated it
};

class Application {
 public:
  Application(ServerConfig config, std::unique_ptr<home::Home> home, std::shared_ptr<identity::JwksFetcher> fetcher);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Threads of its own the application runs (the witnessing), started once
  // the server is about to take requests.
  void start_background_work();

  Response handle(Request& request) const;
  void observe(const Request& request, const Response& response, std::chrono::nanoseconds duration);

  // The caller as a registered, active actor of a kind `access` allows: the
  // one admission of a request. Throws Error{unauthenticated} (no or a bad
  // credential) or {forbidden} (a caller this endpoint is not for).
  AuthenticatedCaller authenticate(const Request& request, Access access) const;
  // authenticate() when it can answer from memory: a bearer token verified
  // before and still remembered, with no client certificate (which would
  // come first). Nothing when it would have to verify or fetch, so a handler
  // on a network thread hands the request off instead of waiting. Refusals
  // of a remembered caller (suspended, not for this endpoint) throw as there.
  std::optional<AuthenticatedCaller> authenticate_from_memory(const Request& request, Access access) const;
  // A JWT presented as a subject token (RFC 8693), admitted the same way.
  AuthenticatedCaller authenticate_token(std::string_view jwt) const;

  // The console ([console] configured; else console() is null). A session
  // cookie authenticates the API as the human who signed in, through the
  // same admission as a bearer ID token; a bearer token, when sent, wins.
  ConsoleState* console() const { return console_.get(); }
  struct ConsoleSession {
    std::string id;  // the cookie's value
    console::Session session;
  };
  // The live session the request's cookie names, or nullopt.
  std::optional<ConsoleSession> console_session(const Request& request) const;
  // The session's human admitted under `access`; for a method that may
  // change something, first the cross-site checks (Error{forbidden}
  // "cross-site request refused: …").
  AuthenticatedCaller authenticate_session(const Request& request, const ConsoleSession& session, Access access) const;
  // Just the cross-site checks (sign-out needs them and no more).
  void refuse_cross_site(const Request& request, const ConsoleSession& session) const;
  // Signs in the human an ID token from the console's sign-in proves: the
  // token verified as a bearer ID token would be (plus aud = client_id and
  // the nonce), the human admitted as one would be. The opened session's
  // id is the cookie value.
  console::SessionStore::Opened open_console_session(std::string_view id_token, const std::string& nonce) const;

  const ServerConfig& config() const { return config_; }
  // Whether the human `actor_id` is one of mandate.toml's administrators.
  bool is_administrator(const std::string& actor_id) const;
  home::Home& home() const { return *home_; }
  broker::Broker& broker() const { return *broker_; }
  authzen::Service& authzen() const { return *authzen_; }
  const TaskEventFeed& task_events() const { return *task_events_; }
  // The witnesses' side ([witnesses] configured; else null).
  Witnessing* witnessing() const { return witnessing_.get(); }
  Metrics& metrics() { return metrics_; }
  // Whether the store can be read and written, from a probe at most once
  // per kReadinessProbeInterval (readiness checks are unauthenticated: a
  // flood of them must not become a flood of fsyncs).
  Readiness readiness() const;
  static constexpr std::chrono::seconds kReadinessProbeInterval{1};

 private:
  Readiness probe_store() const;
  std::optional<std::string_view> console_cookie(const Request& request) const;
  AuthenticatedCaller admit(const std::string& actor_id, const std::string& credential_kind,
                            const std::string& authenticated_by, std::optional<std::string> thumbprint,
                            Access access) const;

  ServerConfig config_;
  // Before the home and the broker, so it outlives them: a decision still
  // waiting for its commit when the server stops is counted when the
  // ledger (draining its queue) or the broker (waiting for its task turns)
  // tells it, as they go.
  Metrics metrics_;
  std::unique_ptr<home::Home> home_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<identity::Authenticator> authenticator_;
  std::unique_ptr<authzen::Service> authzen_;
  std::unique_ptr<ConsoleState> console_;
  std::unique_ptr<TaskEventFeed> task_events_;
  AccessLog access_log_;
  Router router_;
  mutable std::mutex readiness_mu_;
  mutable std::optional<std::chrono::steady_clock::time_point> readiness_checked_;
  mutable Readiness readiness_;
  // Last, so its thread stops before anything it uses goes.
  std::unique_ptr<Witnessing> witnessing_;
};

// The route groups, each in its own file.
void add_ops_routes(Router& router, Application& app);
void add_actor_routes(Router& router, Application& app);
void add_task_routes(Router& router, Application& app);
void add_mandate_routes(Router& router, Application& app);
void add_policy_routes(Router& router, Application& app);
void add_trace_routes(Router& router, Application& app);
void add_oauth_routes(Router& router, Application& app);
void add_ledger_routes(Router& router, Application& app);
void add_tiles_routes(Router& router, Application& app);
void add_authzen_routes(Router& router, Application& app);
void add_audit_routes(Router& router, Application& app);
void add_console_routes(Router& router, Application& app);

}  // namespace mandate::server
