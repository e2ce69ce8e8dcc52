#include "server/internal/application.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "authzen/service.h"
#include "broker/records.h"
#include "console/cookies.h"
#include "console/cross_site.h"
#include "core/error.h"
#include "home/home.h"
#include "identity/authenticator.h"
#include "ledger/ledger.h"
#include "server/internal/console_state.h"
#include "server/internal/task_events.h"
#include "server/internal/witnessing.h"

namespace mandate::server {

namespace {

broker::Settings broker_settings(const ServerConfig& config) {
  broker::Settings s;
  s.issuer = config.issuer;
  s.audience = config.audience;
  return s;
}

std::string_view access_name(Access access) {
  switch (access) {
    case Access::authenticated: return "any registered actor";
    case Access::human: return "humans";
    case Access::workload: return "workloads and agents";
    case Access::administrator: return "administrators";
    case Access::enforcement_point: return "enforcement points (registered workloads asking for decisions)";
  }
  return "";
}

std::unique_ptr<ConsoleState> make_console(const ServerConfig& config, std::shared_ptr<identity::JwksFetcher> fetcher) {
  if (!config.console) return nullptr;
  const console::ConsoleConfig& c = *config.console;
  const auto provider = std::find_if(config.identity->oidc.begin(), config.identity->oidc.end(),
                                     [&](const auto& p) { return p.issuer == c.oidc_issuer; });
  if (provider == config.identity->oidc.end()) {  // parse_server_config refuses this; a hand-made config may not
    fail(ErrorKind::bad_input, "console.oidc_issuer: " + c.oidc_issuer + " is not an [[identity.oidc]] issuer");
  }
  identity::FetchOptions fetch;
  fetch.ca_file = provider->keys.ca_file;
  fetch.allow_http = provider->keys.allow_http;
  fetch.timeout = config.identity->fetch_timeout;
  const auto origin = console::origin_of(config.public_url);
  if (!origin) fail(ErrorKind::bad_input, "public_url: " + config.public_url + " is not an http(s) URL");
  console::ClientSettings client{c.oidc_issuer, c.client_id, c.client_secret, config.public_url + "/console/callback"};
  auto pages = c.assets_dir ? console::Assets::from_directory(*c.assets_dir) : console::Assets::built_in();
  return std::make_unique<ConsoleState>(c, *origin, origin->starts_with("https://"), std::move(client), std::move(fetch),
                                        std::move(fetcher), std::move(pages));
}

// Every answer says it is not to be framed and not to be sniffed: the API's
// JSON as much as the console's pages (clickjacking, content sniffing).
void add_security_headers(Response& response) {
  const auto has = [&](std::string_view name) {
    return std::any_of(response.headers.begin(), response.headers.end(), [&](const auto& h) { return h.first == name; });
  };
  if (!has("Content-Security-Policy")) response.headers.emplace_back("Content-Security-Policy", "frame-ancestors 'none'");
  if (!has("X-Content-Type-Options")) response.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace

Application::Application(ServerConfig config, std::unique_ptr<home::Home> home,
                         std::shared_ptr<identity::JwksFetcher> fetcher)
    : config_(std::move(config)),
      home_(std::move(home)),
      broker_(std::make_unique<broker::Broker>(home_->store(), home_->ledger(), home_->keys(), broker_settings(config_))),
      authenticator_(std::make_unique<identity::Authenticator>(*config_.identity, fetcher)),
      authzen_(std::make_unique<authzen::Service>(*broker_, config_.public_url, config_.max_batch_items)),
      console_(make_console(config_, fetcher)),
      task_events_(std::make_unique<TaskEventFeed>(home_->store())),
      access_log_(config_.access_log) {
  // Scraped while the database is gone too: the size is then unknown (NaN)
  // and the store's own family says why.
  metrics_.add_gauge("mandate_ledger_entries", "Entries in the ledger.", [this] {
    try {
      return static_cast<double>(home_->ledger().size());
    } catch (const Error&) {
      return std::numeric_limits<double>::quiet_NaN();
    }
  });
  metrics_.add_exposition([this] { return render_store_health(home_->store().health()); });
  if (console_) {
    metrics_.add_gauge("mandate_console_sessions", "Console sessions open.",
                       [this] { return static_cast<double>(console_->sessions.open_sessions()); });
  }
  if (config_.witnesses) {
    witnessing_ = std::make_unique<Witnessing>(*config_.witnesses, *home_);
    metrics_.add_exposition([this] { return witnessing_->render_metrics(); });
  }
  add_ops_routes(router_, *this);
  add_actor_routes(router_, *this);
  add_task_routes(router_, *this);
  add_mandate_routes(router_, *this);
  add_policy_routes(router_, *this);
  add_trace_routes(router_, *this);
  add_oauth_routes(router_, *this);
  add_ledger_routes(router_, *this);
  add_tiles_routes(router_, *this);
  add_authzen_routes(router_, *this);
  add_audit_routes(router_, *this);
  if (console_) add_console_routes(router_, *this);
}

Application::~Application() = default;

void Application::start_background_work() {
  if (witnessing_) witnessing_->start();
}

Response Application::handle(Request& request) const {
  Response response = router_.route(request);
  if (response.deferred) {
    // What the router filled in for the placeholder holds for the answer.
    auto answer = std::make_shared<DeferredResponse>();
    response.deferred->then([answer, route = response.route, caller = response.caller](Response r) {
      r.route = route;
      if (r.caller.empty()) r.caller = caller;
      add_security_headers(r);
      answer->complete(std::move(r));
    });
    response.deferred = std::move(answer);
    return response;
  }
  add_security_headers(response);
  return response;
}

void Application::observe(const Request& request, const Response& response, std::chrono::nanoseconds duration) {
  metrics_.observe_request(request.method, response.route, response.status, duration);
  access_log_.write(request, response, duration);
}

Readiness Application::readiness() const {
  std::lock_guard lock(readiness_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (readiness_checked_ && now - *readiness_checked_ < kReadinessProbeInterval) return readiness_;
  readiness_checked_ = now;
  readiness_ = probe_store();
  if (readiness_.ready && witnessing_) {
    if (auto problem = witnessing_->quorum_problem()) {
      readiness_.ready = !witnessing_->required_for_ready();
      readiness_.why_not = "witness quorum not reached: " + *problem;
    }
  }
  return readiness_;
}

// Every step the server acknowledges writes the ledger, so a store that
// answers reads but takes no write (disk full, read-only file or volume)
// refuses every decision with 503 while looking healthy. One small durable
// write says whether writes go through, and recovers by itself when they do.
Readiness Application::probe_store() const {
  if (const store::StoreHealth health = home_->store().health(); !health.reachable) {
    return {false, "the database is unreachable: " + health.why_not};
  }
  try {
    home_->ledger().size();
  } catch (const std::exception& e) {
    return {false, std::string("the store cannot be read: ") + e.what()};
  }
  try {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    home_->store().set_meta("readiness_probe", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()));
  } catch (const std::exception& e) {
    return {false, std::string("the store cannot be written: ") + e.what()};
  }
  return {true, ""};
}

AuthenticatedCaller Application::authenticate(const Request& request, Access access) const {
  // A bearer token is the caller's explicit choice and wins; without one, a
  // console session cookie is a human's credential.
  if (console_ && !request.header("authorization")) {
    if (auto session = console_session(request)) return authenticate_session(request, *session, access);
    if (console_cookie(request)) {
      fail(ErrorKind::unauthenticated,
           "the console session has ended (signed out, expired or idle too long): sign in again at /console/login");
    }
  }
  identity::Presented presented;
  if (auto header = request.header("authorization")) {
    constexpr std::string_view kBearer = "bearer ";
    std::string scheme(header->substr(0, std::min(header->size(), kBearer.size())));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (scheme != kBearer) fail(ErrorKind::unauthenticated, "the Authorization header must be \"Bearer <token>\"");
    presented.bearer_token = std::string(header->substr(kBearer.size()));
  }
  presented.peer_certificates_der = request.peer_certificates_der;
  if (!presented.bearer_token && presented.peer_certificates_der.empty()) {
    fail(ErrorKind::unauthenticated, "no credentials: present a bearer ID token or a client certificate (X.509-SVID)");
  }
  auto identity = authenticator_->authenticate(presented);
  if (!identity) fail(ErrorKind::unauthenticated, identity.error().reason);
  return admit(identity->actor_id, identity->kind, identity->authenticated_by, identity->certificate_thumbprint, access);
}

std::optional<AuthenticatedCaller> Application::authenticate_from_memory(const Request& request, Access access) const {
  const auto header = request.header("authorization");
  if (!header || !request.peer_certificates_der.empty()) return std::nullopt;
  // admit() reads the actors from the broker's cache: only when it needs no store read.
  if (!broker_->policy_snapshot_if_checked()) return std::nullopt;
  constexpr std::string_view kBearer = "bearer ";
  if (header->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header->begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    return std::nullopt;  // authenticate() says what is wrong with it
  }
  auto identity = authenticator_->remembered_token(header->substr(kBearer.size()));
  if (!identity) return std::nullopt;
  return admit(identity->actor_id, identity->kind, identity->authenticated_by, identity->certificate_thumbprint, access);
}

std::optional<std::string_view> Application::console_cookie(const Request& request) const {
  const auto header = request.header("cookie");
  if (!console_ || !header) return std::nullopt;
  return console::cookie_value(*header, console_->cookies.session.name);
}

std::optional<Application::ConsoleSession> Application::console_session(const Request& request) const {
  const auto id = console_cookie(request);
  if (!id) return std::nullopt;
  auto session = console_->sessions.find(*id);
  if (!session) return std::nullopt;
  return ConsoleSession{std::string(*id), std::move(*session)};
}

void Application::refuse_cross_site(const Request& request, const ConsoleSession& s) const {
  // The browser sends the cookie with whatever a page makes it request;
  // only this server's own pages can read the CSRF token and say they are
  // this origin, so anything that may change something must prove both.
  if (console::is_safe_method(request.method)) return;
  const console::RequestSignals signals{request.header("origin"), request.header("sec-fetch-site"),
                                        request.header("x-csrf-token")};
  if (auto refusal = console::cross_site_refusal(signals, console_->origin, s.session.csrf_token)) {
    fail(ErrorKind::forbidden, *refusal);
  }
}

AuthenticatedCaller Application::authenticate_session(const Request& request, const ConsoleSession& s,
                                                      Access access) const {
  refuse_cross_site(request, s);
  AuthenticatedCaller who = admit(s.session.who.actor_id, "human", s.session.who.authenticated_by, std::nullopt, access);
  who.console_session = s.id;
  return who;
}

console::SessionStore::Opened Application::open_console_session(std::string_view id_token, const std::string& nonce) const {
  const auto& c = console_->config;
  auto identity = authenticator_->authenticate_login(id_token, c.oidc_issuer, c.client_id, nonce);
  if (!identity) fail(ErrorKind::unauthenticated, identity.error().reason);
  const auto who = admit(identity->actor_id, identity->kind, identity->authenticated_by, std::nullopt, Access::human);
  return console_->sessions.open({who.caller.actor_id, who.caller.authenticated_by, identity->issuer, identity->subject});
}

AuthenticatedCaller Application::authenticate_token(std::string_view jwt) const {
  auto identity = authenticator_->authenticate_token(jwt);
  if (!identity) fail(ErrorKind::unauthenticated, identity.error().reason);
  return admit(identity->actor_id, identity->kind, identity->authenticated_by, identity->certificate_thumbprint,
               Access::workload);
}

bool Application::is_administrator(const std::string& actor_id) const {
  return std::find(config_.administrators.begin(), config_.administrators.end(), actor_id) != config_.administrators.end();
}

AuthenticatedCaller Application::admit(const std::string& actor_id, const std::string& credential_kind,
                                       const std::string& authenticated_by, std::optional<std::string> thumbprint,
                                       Access access) const {
  // From the broker's cached view of the actors: no store read per request.
  // Every use case re-checks its actors against the store when it acts.
  const auto standing = broker_->actor_standing(actor_id);
  if (!standing) {
    fail(ErrorKind::forbidden, "the credential maps to " + actor_id + ", which is not a registered actor");
  }
  if (standing->state != core::LifecycleState::active) {
    fail(ErrorKind::forbidden, "actor " + actor_id + " is " + std::string(core::to_string(standing->state)));
  }
  // A human credential proves a human actor; a workload credential a workload or agent.
  const bool human = standing->kind == core::ActorKind::human;
  if (human != (credential_kind == "human")) {
    fail(ErrorKind::forbidden, "a " + credential_kind + " credential cannot act as " +
                                   std::string(core::to_string(standing->kind)) + " " + actor_id);
  }
  const broker::CallerKind kind = broker::caller_kind(standing->kind);
  const bool allowed = access == Access::authenticated || (access == Access::human && human) ||
                       (access == Access::workload && !human) ||
                       (access == Access::enforcement_point && broker::may_ask_decisions(kind)) ||
                       (access == Access::administrator && human && is_administrator(actor_id));
  if (!allowed) {
    fail(ErrorKind::forbidden, "this endpoint is for " + std::string(access_name(access)) + "; " + actor_id + " is a " +
                                   std::string(core::to_string(standing->kind)) +
                                   (access == Access::administrator ? " without administration" : ""));
  }
  AuthenticatedCaller out;
  out.caller = {actor_id, kind, authenticated_by};
  out.certificate_thumbprint = std::move(thumbprint);
  return out;
}

}  // namespace mandate::server
