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
    throw HttpError(415, "the request body must be application/json");
  }
  auto parsed = encoding::parse_json_strict(request.body);
  if (!parsed) throw HttpError(400, "request body: " + parsed.error());
  if (!parsed->is_object()) throw HttpError(400, "request body: must be a JSON object");
  return std::move(*parsed);
}

std::string text_field(const nlohmann::json& body, const std::string& name) {
  auto value = optional_text(body, name);
  if (!value) throw HttpError(400, "request body: \"" + name + "\" is required");
  return *value;
}

std::optional<std::string> optional_text(const nlohmann::json& body, const std::string& name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw HttpError(400, "request body: \"" + name + "\" must be a string");
  return it->get<std::string>();
}

Response json_ok(const nlohmann::json& body, int status) {
  return json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {
int status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_input: return 400;
    case ErrorKind::not_found: return 404;
    case ErrorKind::check_failed: return 422;
    case ErrorKind::conflict: return 409;
    case ErrorKind::io: return 503;  // may pass (disk full, read-only): retry later
    case ErrorKind::corruption: return 500;  // will not pass by itself: an operator must restore the store
  }
  return 500;
}
}  // namespace

RouteHandler guarded(RouteHandler handler) {
  return [handler = std::move(handler)](Request& request, const PathParameters& parameters) -> Response {
    try {
      return handler(request, parameters);
    } catch (const HttpError& e) {
      return error_response(e.status(), e.what());
    } catch (const Error& e) {
      // mandate's own messages say where and why and never quote secrets.
      return error_response(status_of(e.kind()), e.what());
    } catch (const nlohmann::json::exception& e) {
      return error_response(400, std::string("request body: ") + e.what());
    }
  };
}

}  // namespace mandate::server
