#include "witness/witness_http.h"

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "http/server.h"

namespace mandate::witness {
namespace {

http::Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
  http::Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

http::Response from(WitnessAnswer answer) { return text(answer.status, std::move(answer.body), std::move(answer.content_type)); }

http::Response wrong_method(std::string_view allowed) {
  http::Response r = text(405, "use " + std::string(allowed) + " here\n");
  r.headers.emplace_back("Allow", std::string(allowed));
  return r;
}

bool is_origin_hash(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "<hash>/checkpoint" under the prefix: the origin hash, or nothing.
std::optional<std::string_view> monitoring_origin_hash(std::string_view rest) {
  constexpr std::string_view kSuffix = "/checkpoint";
  if (!rest.ends_with(kSuffix)) return std::nullopt;
  rest.remove_suffix(kSuffix.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  return rest;
}

// One JSON line per request on stderr, without bodies: a checkpoint is
// public, but a line per request is all an operator needs to follow along.
void log_request(const http::Request& request, const http::Response& response, std::chrono::nanoseconds took) {
  std::cerr << nlohmann::json{{"method", request.method},
                              {"path", request.path},
                              {"status", response.status},
                              {"remote", request.remote_address},
                              {"ms", std::chrono::duration<double, std::milli>(took).count()}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
}

}  // namespace

http::Response route_witness_request(WitnessService& service, std::string_view prefix, const http::Request& request) {
  std::string_view path = request.path;
  if (!path.starts_with(prefix) || !path.substr(prefix.size()).starts_with("/")) {
    return text(404, "not a witness endpoint\n");
  }
  path.remove_prefix(prefix.size() + 1);
  if (path == "add-checkpoint") {
    if (request.method != "POST") return wrong_method("POST");
    return from(service.add_checkpoint(request.body));
  }
  if (auto hash = monitoring_origin_hash(path)) {
    if (!is_origin_hash(*hash)) return text(404, "the origin hash is 64 lowercase hex digits (SHA-256 of the origin)\n");
    if (request.method != "GET") return wrong_method("GET");
    return from(service.latest_checkpoint(*hash));
  }
  return text(404, "not a witness endpoint\n");
}

WitnessServer::WitnessServer(const WitnessConfig& config, WitnessService& service) {
  http::ListenSettings listen;
  listen.address = config.address;
  listen.port = config.port;
  listen.network_threads = 1;
  // A witness's answers wait on one fsync each, in turn: a few handlers
  // keep the network answering while one waits.
  listen.handler_threads = 4;
  listen.limits.max_body_bytes = kMaxRequestBytes;
  listen.limits.max_connections = 1000;
  if (config.tls) listen.tls = http::TlsSettings{config.tls->certificate_chain, config.tls->private_key, false};
  const std::string prefix = config.prefix;
  auto handler = [&service, prefix](http::Request& request) {
    try {
      return route_witness_request(service, prefix, request);
    } catch (const Error& e) {
      // The state failed (disk, database): nothing was cosigned. The
      // message names the database, never the key.
      std::cerr << nlohmann::json{{"event", "witness_state_error"}, {"message", e.what()}}.dump() << "\n";
      return text(503, "the witness cannot reach its state; nothing was cosigned\n");
    }
  };
  server_ = std::make_unique<http::HttpServer>(std::move(listen), handler, log_request);
}

WitnessServer::~WitnessServer() = default;

std::uint16_t WitnessServer::port() const { return server_->port(); }
void WitnessServer::run() { server_->run(true); }
void WitnessServer::stop() { server_->stop(); }

}  // namespace mandate::witness
