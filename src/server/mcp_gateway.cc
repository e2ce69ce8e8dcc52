#include "server/mcp_gateway.h"

#include <csignal>
#include <ostream>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "core/error.h"
#include "home/home.h"
#include "mcp/gateway.h"
#include "mcp/upstream.h"
#include "server/config.h"
#include "server/internal/router.h"
#include "server/internal/access_log.h"
#include "server/internal/http_server.h"
#include "server/internal/key_reloader.h"

namespace mandate::server {
namespace {

std::string header_or_empty(const Request& r, std::string_view name) {
  const auto value = r.header(name);
  return value ? std::string(*value) : std::string();
}

// The path of the gateway's public URL: where agents POST.
std::string url_path(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

Response to_response(mcp::McpHttpAnswer answer) {
  Response response;
  response.status = answer.status;
  response.content_type = std::move(answer.content_type);
  response.body = std::move(answer.body);
  response.headers = std::move(answer.headers);
  response.caller = std::move(answer.caller);
  return response;
}

Response route(mcp::Gateway& gateway, const std::string& path, Request& request) {
  if (request.path == "/healthz" && request.method == "GET") {
    Response ok;
    ok.body = R"({"status":"ok"})";
    ok.route = "/healthz";
    return ok;
  }
  if (request.path != path) {
    Response missing = error_response(404, "not found: the MCP endpoint is " + path);
    missing.route = "(unmatched)";
    return missing;
  }
  mcp::McpHttpRequest r;
  r.method = request.method;
  r.authorization = header_or_empty(request, "authorization");
  r.dpop = header_or_empty(request, "dpop");
  r.session_id = header_or_empty(request, "mcp-session-id");
  r.protocol_version = header_or_empty(request, "mcp-protocol-version");
  r.content_type = header_or_empty(request, "content-type");
  r.origin = header_or_empty(request, "origin");
  if (auto tp = request.header("traceparent")) r.traceparent = std::string(*tp);
  r.body = std::move(request.body);
  Response response = to_response(gateway.handle(r));
  response.route = path;
  return response;
}

}  // namespace

void serve_mcp(const std::filesystem::path& config_file, std::ostream& announce) {
  auto config = load_server_config(config_file);
  if (!config) fail(ErrorKind::bad_input, config.error());
  if (!config->mcp) fail(ErrorKind::bad_input, config_file.string() + ": no [mcp] section: nothing to serve");
  if (config->issuer.empty()) {
    // The mandates' issuer is the API server's: with its port left to the
    // system (0), only the config can say what it will be.
    fail(ErrorKind::bad_input, config_file.string() + ": set [mandates] issuer (or public_url): the gateway checks "
                               "mandates issued by the API server, whose port is chosen when it starts");
  }
  if (!std::filesystem::exists(config->home / "config.toml")) {
    fail(ErrorKind::bad_input, config_file.string() + ": home " + config->home.string() + " holds no mandate home");
  }
  auto home = home::Home::open(config->home);
  std::signal(SIGXFSZ, SIG_IGN);
  const mcp::GatewayConfig& gw = *config->mcp;
  ListenSettings listen;
  listen.address = gw.address;
  listen.port = gw.port;
  listen.limits = config->listen.limits;
  listen.priority_paths = {"/healthz"};
  AccessLog access_log(config->access_log);
  std::unique_ptr<mcp::Gateway> gateway;
  std::string path = "/mcp";
  HttpServer server(
      listen, [&](Request& request) { return route(*gateway, path, request); },
      [&](const Request& request, const Response& response, std::chrono::nanoseconds duration) {
        access_log.write(request, response, duration);
      });
  std::string public_url = gw.public_url;
  if (public_url.empty()) {
    const bool ipv6 = gw.address.find(':') != std::string::npos;
    public_url = "http://" + (ipv6 ? "[" + gw.address + "]" : gw.address) + ":" + std::to_string(server.port()) + "/mcp";
  }
  path = url_path(public_url);
  broker::Settings settings;
  settings.issuer = config->issuer;
  settings.audience = config->audience;
  broker::Broker broker(home->store(), home->ledger(), home->keys(), settings);
  gateway = std::make_unique<mcp::Gateway>(broker, gw, public_url,
                                           [](const mcp::UpstreamServer& s) { return mcp::Upstream::open(s); });
  const KeyReloader key_reloader(home->keys(), config->keys_reload_interval);
  announce << nlohmann::json{{"listening", listen.address + ":" + std::to_string(server.port())}, {"mcp", public_url}}.dump()
           << std::endl;
  server.run(true);
}

}  // namespace mandate::server
