#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// What every route handler shares: reading a JSON body strictly, answering
// JSON, and turning mandate's errors into HTTP statuses.
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "server/internal/router.h"

namespace mandate::server {

// Thrown by handlers for an answer other than 200; guarded() turns it into
// the response.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Whether the request declares a JSON body (application/json, parameters allowed).
bool declares_json(const Request& request);
// The body as a JSON object: 415 without a JSON content type, 400 when the
// body is not one strict I-JSON object.
nlohmann::json json_body(const Request& request);
// A string member: 400 naming it when missing (and required) or not a string.
std::string text_field(const nlohmann::json& body, const std::string& name);
std::optional<std::string> optional_text(const nlohmann::json& body, const std::string& name);

Response json_ok(const nlohmann::json& body, int status = 200);

// Runs the handler and maps what it throws: HttpError to its status;
// Error{bad_input} 400, {not_found} 404, {check_failed} 422, {conflict} 409,
// {io} 503, {corruption} 500; anything else 500 with no detail.
RouteHandler guarded(RouteHandler handler);

}  // namespace mandate::server
