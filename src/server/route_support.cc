#include "server/internal/route_support.h"

#include "core/error.h"
#include "encoding/json.h"

namespace mandate::server {

bool declares_json(const Request& request) {
  const auto type = request.header("content-type");
  return type && media_type_matches(*type, "application/json");
}

nlohmann::json json_body(const Request& request) {
  if (!declares_json(request)) {
    fail(ErrorKind::unsupported_media_type, "the request body must be application/json");
  }
  auto parsed = encoding::parse_json_strict(request.body);
  if (!parsed) fail(ErrorKind::bad_input, "request body: " + parsed.error());
  if (!parsed->is_object()) fail(ErrorKind::bad_input, "request body: must be a JSON object");
  return std::move(*parsed);
}

std::string text_field(const nlohmann::json& body, const std::string& name) {
  auto value = optional_text(body, name);
  if (!value) fail(ErrorKind::bad_input, "request body: \"" + name + "\" is required");
  return *value;
}

std::optional<std::string> optional_text(const nlohmann::json& body, const std::string& name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(ErrorKind::bad_input, "request body: \"" + name + "\" must be a string");
  return it->get<std::string>();
}

Response json_ok(const nlohmann::json& body, int status) {
  return json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// RFC 6750 §3.1: a request with no credentials at all gets the scheme
// only, no error code; a credential that failed gets invalid_token.
std::string bearer_challenge(const Request& request) {
  const bool presented = request.header("authorization").has_value() || !request.peer_certificates_der.empty();
  return presented ? "Bearer error=\"invalid_token\"" : "Bearer";
}

RouteHandler guarded(RouteHandler handler) {
  return [handler = std::move(handler)](Request& request, const PathParameters& parameters) -> Response {
    try {
      return handler(request, parameters);
    } catch (const Error& e) {
      // mandate's own messages say where and why and never quote secrets.
      Response r = error_response(http_status(e.kind()), e.what());
      if (e.kind() == ErrorKind::unauthenticated) r.headers.emplace_back("WWW-Authenticate", bearer_challenge(request));
      return r;
    } catch (const nlohmann::json::exception& e) {
      return error_response(http_status(ErrorKind::bad_input), std::string("request body: ") + e.what());
    }
  };
}

}  // namespace mandate::server
