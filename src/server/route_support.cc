#include "server/internal/route_support.h"

#include <algorithm>
#include <charconv>

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

QueryParameters::QueryParameters(const Request& request, std::initializer_list<std::string_view> known) {
  auto parsed = parse_form(request.query);
  if (!parsed) fail(ErrorKind::bad_input, "the query is malformed or names a parameter twice");
  for (const auto& [name, value] : *parsed) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const auto k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      fail(ErrorKind::bad_input, "query parameter " + name + " is not known here (known: " + names + ")");
    }
  }
  values_ = std::move(*parsed);
}

std::optional<std::string> QueryParameters::text(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<core::Timestamp> QueryParameters::time(std::string_view name) const {
  const auto value = text(name);
  if (!value) return std::nullopt;
  auto t = core::parse_timestamp(*value);
  if (!t) {
    fail(ErrorKind::bad_input, "query parameter " + std::string(name) +
                                   " must be an RFC 3339 UTC time such as 2026-11-01T00:00:00Z");
  }
  return t;
}

bool QueryParameters::flag(std::string_view name) const {
  const auto value = text(name);
  if (!value || *value == "false") return false;
  if (*value == "true") return true;
  fail(ErrorKind::bad_input, "query parameter " + std::string(name) + " must be true or false");
}

std::size_t QueryParameters::count(std::string_view name, std::size_t min, std::size_t max, std::size_t otherwise) const {
  const auto value = text(name);
  if (!value) return otherwise;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (ec != std::errc() || end != value->data() + value->size() || n < min || n > max) {
    fail(ErrorKind::bad_input, "query parameter " + std::string(name) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

namespace {

// RFC 6750 §3.1: a request with no credentials at all gets the scheme
// only, no error code; a credential that failed gets invalid_token.
std::string bearer_challenge(const Request& request) {
  const bool presented = request.header("authorization").has_value() || !request.peer_certificates_der.empty();
  return presented ? "Bearer error=\"invalid_token\"" : "Bearer";
}

}  // namespace

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

Response answered_later(std::shared_ptr<DeferredResponse> deferred, std::string caller) {
  Response placeholder;
  placeholder.caller = std::move(caller);
  placeholder.deferred = std::move(deferred);
  return placeholder;
}

Response error_answer(std::exception_ptr error) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const Error& e) {
    return error_response(http_status(e.kind()), e.what());
  } catch (const nlohmann::json::exception& e) {
    return error_response(http_status(ErrorKind::bad_input), std::string("request body: ") + e.what());
  } catch (...) {
    return error_response(500, "internal error");
  }
}

}  // namespace mandate::server
