#include "server/internal/application.h"

#include <algorithm>

#include "authzen/service.h"
#include "broker/records.h"
#include "core/error.h"
#include "home/home.h"
#include "identity/authenticator.h"
#include "ledger/ledger.h"

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

}  // namespace

Application::Application(ServerConfig config, std::unique_ptr<home::Home> home,
                         std::shared_ptr<identity::JwksFetcher> fetcher)
    : config_(std::move(config)),
      home_(std::move(home)),
      broker_(std::make_unique<broker::Broker>(home_->store(), home_->ledger(), home_->keys(), broker_settings(config_))),
      authenticator_(std::make_unique<identity::Authenticator>(*config_.identity, std::move(fetcher))),
      authzen_(std::make_unique<authzen::Service>(*broker_, config_.public_url, config_.max_batch_items)),
      access_log_(config_.access_log) {
  metrics_.add_gauge("mandate_ledger_entries", "Entries in the ledger.",
                     [this] { return static_cast<double>(home_->ledger().size()); });
  add_ops_routes(router_, *this);
  add_actor_routes(router_, *this);
  add_task_routes(router_, *this);
  add_mandate_routes(router_, *this);
  add_policy_routes(router_, *this);
  add_trace_routes(router_, *this);
  add_oauth_routes(router_, *this);
  add_ledger_routes(router_, *this);
  add_authzen_routes(router_, *this);
}

Application::~Application() = default;

Response Application::handle(Request& request) const { return router_.route(request); }

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
  return readiness_;
}

// Every step the server acknowledges writes the ledger, so a store that
// answers reads but takes no write (disk full, read-only file or volume)
// refuses every decision with 503 while looking healthy. One small durable
// write says whether writes go through, and recovers by itself when they do.
Readiness Application::probe_store() const {
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

AuthenticatedCaller Application::authenticate_token(std::string_view jwt) const {
  auto identity = authenticator_->authenticate_token(jwt);
  if (!identity) fail(ErrorKind::unauthenticated, identity.error().reason);
  return admit(identity->actor_id, identity->kind, identity->authenticated_by, identity->certificate_thumbprint,
               Access::workload);
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
                       (access == Access::administrator && human &&
                        std::find(config_.administrators.begin(), config_.administrators.end(), actor_id) !=
                            config_.administrators.end());
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
