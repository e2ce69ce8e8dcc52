#include "server/serve.h"

#include <csignal>
#include <iostream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "home/home.h"
#include "identity/authenticator.h"
#include "identity/curl_fetcher.h"
#include "notify/notifier.h"
#include "server/internal/application.h"
#include "server/config.h"
#include "server/internal/http_server.h"
#include "server/internal/key_reloader.h"
#include "server/internal/open_files.h"

namespace mandate::server {

namespace {

// As many connections as the open-file limit allows, after raising the
// soft limit to the hard one; says so on stderr when the configured
// number does not fit.
void fit_connections_to_open_files(Limits& limits) {
  const OpenFileLimit files = raise_open_file_limit();
  std::string warning;
  limits.max_connections = fit_max_connections(limits.max_connections, files.soft, open_descriptors(), warning);
  if (limits.max_connections == 0) {
    fail(ErrorKind::io, "the open-file limit of " + std::to_string(files.soft) +
                            " leaves no room for connections; raise it (ulimit -n, systemd LimitNOFILE=)");
  }
  if (!warning.empty()) std::cerr << nlohmann::json{{"event", "max_connections"}, {"message", warning}}.dump() << std::endl;
}

// The webhook notifier (src/notify), when [[webhooks]] are configured: it
// follows the ledger on threads of its own, so no request waits on a
// delivery. Its counters join /metrics.
std::unique_ptr<notify::Notifier> start_notifier(Application& app) {
  const ServerConfig& config = app.config();
  if (config.webhooks.empty()) return nullptr;
  auto metrics = std::make_shared<notify::DeliveryMetrics>();
  app.metrics().add_exposition([metrics] { return metrics->render(); });
  auto notifier = std::make_unique<notify::Notifier>(
      notify::NotifierSettings{config.webhooks, config.public_url, config.change_url_template},
      app.home().store(), app.home().ledger().origin(), app.broker(), metrics);
  notifier->start();
  return notifier;
}

}  // namespace

void serve(const std::filesystem::path& config_file, std::ostream& announce) {
  auto config = load_server_config(config_file);
  if (!config) fail(ErrorKind::bad_input, config.error());
  if (!std::filesystem::exists(config->home / "config.toml")) {
    fail(ErrorKind::bad_input, config_file.string() + ": home " + config->home.string() +
                                   " holds no mandate home (run mandate init there first)");
  }
  auto home = home::Home::open(config->home);
  // A file-size limit reached mid-write must be a failed write that the
  // store reports (503, not ready), not a signal that kills the server.
  std::signal(SIGXFSZ, SIG_IGN);
  ListenSettings listen = config->listen;
  listen.priority_paths = {"/healthz", "/readyz"};
  // AuthZEN single evaluations and mandate-bound decisions answer from
  // memory and record without waiting (authzen_routes.cc,
  // mandate_routes.cc): the hop to the handler pool would cost more.
  listen.network_thread_paths = {"/access/v1/evaluation", "/v1/decisions"};
  fit_connections_to_open_files(listen.limits);
  const bool tls = listen.tls.has_value();

  // Bound first, so defaults that name this server's address carry the port
  // actually bound; nothing is accepted before run(), so the application
  // exists before the first request.
  std::unique_ptr<Application> app;
  HttpServer server(
      listen, [&app](Request& request) { return app->handle(request); },
      [&app](const Request& request, const Response& response, std::chrono::nanoseconds duration) {
        app->observe(request, response, duration);
      });
  settle_bound_port(*config, server.port());
  app = std::make_unique<Application>(std::move(*config), std::move(home), std::make_shared<identity::CurlJwksFetcher>());
  // Started before the first request can be handled (run() below), so a
  // first start's cursor misses no step; stopped, by its destructor, after
  // the drain: a last pass announces the steps taken while draining.
  const std::unique_ptr<notify::Notifier> notifier = start_notifier(*app);
  // Key files copied into HOME/keys (a rotation rolled out to every server)
  // are used without a restart; SIGHUP is handled from here on, before the
  // announcement, so a SIGHUP sent on seeing it never kills the server.
  const KeyReloader key_reloader(app->home().keys(), app->config().keys_reload_interval);
  app->start_background_work();
  announce << nlohmann::json{{"listening", listen.address + ":" + std::to_string(server.port())}, {"tls", tls}}.dump()
           << std::endl;
  server.run(true);
}

}  // namespace mandate::server
