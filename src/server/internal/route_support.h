#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// What every route handler shares: reading a JSON body strictly, answering
// JSON, and turning mandate's errors into HTTP statuses.
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"

#include "server/internal/router.h"

namespace mandate::server {

// Whether the request declares a JSON body (application/json, parameters allowed).
bool declares_json(const Request& request);
// The body as a JSON object: Error{unsupported_media_type} without a JSON
// content type, {bad_input} when the body is not one strict I-JSON object.
nlohmann::json json_body(const Request& request);
// A string member: Error{bad_input} naming it when missing (and required) or not a string.
std::string text_field(const nlohmann::json& body, const std::string& name);
std::optional<std::string> optional_text(const nlohmann::json& body, const std::string& name);

Response json_ok(const nlohmann::json& body, int status = 200);

// The query's parameters, each named at most once and each among `known`:
// Error{bad_input} naming the one that is not. Values are percent-decoded.
class QueryParameters {
 public:
  QueryParameters(const Request& request, std::initializer_list<std::string_view> known);
  std::optional<std::string> text(std::string_view name) const;
  // An RFC 3339 UTC time, or Error{bad_input} naming the parameter.
  std::optional<core::Timestamp> time(std::string_view name) const;
  // "true" or "false"; absent is false.
  bool flag(std::string_view name) const;
  // An integer in [min, max]; absent is `otherwise`.
  std::size_t count(std::string_view name, std::size_t min, std::size_t max, std::size_t otherwise) const;
  bool empty() const { return values_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// Runs the handler and answers what it throws: an Error with the status of
// its kind (core/error.h's table; {unauthenticated} with RFC 6750's
// WWW-Authenticate), a JSON type error as 400, anything else 500 with no
// detail (the listener's).
RouteHandler guarded(RouteHandler handler);
// The answer guarded() gives for an error that came later (a deferred
// answer's), without the challenge, which only admission errors carry.
Response error_answer(std::exception_ptr error);
// What a handler returns for an answer that `deferred` completes later
// (a decision waiting for its commit), on behalf of `caller`.
Response answered_later(std::shared_ptr<DeferredResponse> deferred, std::string caller);

}  // namespace mandate::server
