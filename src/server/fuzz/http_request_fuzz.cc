// Bytes from a client connection through what the server does with them
// before a handler's own logic: Boost.Beast's request parser with the
// server's limits (as src/http/server.cc sets them), request_from_head (the
// project's conversion of the parsed head), the router with the server's
// route table (src/server/*_routes.cc), path parameters, query parameters,
// form and JSON bodies, and the error bodies refusals carry. Up to four
// requests per input, as on a keep-alive connection. Broken invariants abort.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "encoding/json.h"
#include "server/internal/http_message.h"
#include "server/internal/http_server.h"
#include "server/internal/route_support.h"
#include "server/internal/router.h"

namespace {

namespace http = boost::beast::http;
using namespace mandate::server;

void require(bool holds) {
  if (!holds) std::abort();
}

// RFC 9110 §5.6.2 tchar: what a method and a field name are made of.
bool tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}
bool token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!tchar(c)) return false;
  }
  return true;
}

// What every response body must be: JSON a client can read.
void check_body(const std::string& body) {
  require(nlohmann::json::accept(body) && mandate::encoding::valid_utf8(body));
}

// The handlers' share of request reading: path parameters as the router
// gives them, query parameters, and a form or JSON body by content type.
Response handle(Request& request, const PathParameters& parameters) {
  for (const auto& [name, value] : parameters) {
    require(!name.empty() && !value.empty() && mandate::encoding::valid_utf8(value));
  }
  for (const char* name : {"index", "tree_size", "first", "second", "format"}) (void)request.query_parameter(name);
  const auto type = request.header("content-type");
  if (type && media_type_matches(*type, "application/x-www-form-urlencoded")) {
    if (auto form = parse_form(request.body, {"resource", "audience"})) {
      for (const auto& [name, value] : *form) require(!name.empty());
    }
  }
  if (request.method != "GET") (void)json_body(request);  // throws HttpError: 415 or 400
  return json_ok(nlohmann::json{{"ok", true}});
}

const Router& router() {
  static const Router r = [] {
    Router out;
    const std::pair<const char*, const char*> routes[] = {
        {"GET", "/.well-known/authzen-configuration"}, {"GET", "/.well-known/jwks.json"},
        {"GET", "/.well-known/oauth-authorization-server"}, {"GET", "/healthz"}, {"GET", "/metrics"},
        {"GET", "/readyz"}, {"GET", "/v1/actors"}, {"GET", "/v1/actors/{id}"}, {"GET", "/v1/evidence/{task}"},
        {"GET", "/v1/ledger/checkpoint"}, {"GET", "/v1/ledger/entries/{index}"},
        {"GET", "/v1/ledger/proofs/consistency"}, {"GET", "/v1/ledger/proofs/inclusion"}, {"GET", "/v1/reviews"},
        {"GET", "/v1/rules"}, {"GET", "/v1/tasks"}, {"GET", "/v1/tasks/{id}"}, {"GET", "/v1/trace/{id}"},
        {"POST", "/access/v1/evaluation"}, {"POST", "/access/v1/evaluations"}, {"POST", "/access/v1/search/action"},
        {"POST", "/access/v1/search/resource"}, {"POST", "/access/v1/search/subject"}, {"POST", "/oauth/introspect"},
        {"POST", "/oauth/revoke"}, {"POST", "/oauth/token"}, {"POST", "/v1/actors"},
        {"POST", "/v1/actors/{id}/offboard"}, {"POST", "/v1/actors/{id}/suspend"}, {"POST", "/v1/decisions"},
        {"POST", "/v1/mandates/attenuate"}, {"POST", "/v1/mandates/{jti}/revoke"}, {"POST", "/v1/reviews/{task}"},
        {"POST", "/v1/tasks"}, {"POST", "/v1/tasks/break-glass"}, {"POST", "/v1/tasks/{id}/approvals"},
        {"POST", "/v1/tasks/{id}/cancel"}, {"POST", "/v1/tasks/{id}/denials"}, {"POST", "/v1/tasks/{id}/mandates"},
        {"POST", "/v1/tasks/{id}/outcome"}, {"PUT", "/v1/entities"}, {"PUT", "/v1/policies"}, {"PUT", "/v1/rules"}};
    for (const auto& [method, pattern] : routes) out.add(method, pattern, guarded(handle));
    return out;
  }();
  return r;
}

void check_request(const Request& request, std::string_view sent_id) {
  require(token(request.method));
  require(!request.target.empty());
  for (unsigned char c : request.target) require(c > 0x20 && c != 0x7f);
  require(request.path + (request.target.find('?') == std::string::npos ? "" : "?" + request.query) == request.target);
  // Only an absolute path can name a route: "v1/tasks" is not "/v1/tasks".
  require(request.path.starts_with('/'));
  for (const auto& [name, value] : request.headers) {
    require(token(name));
    for (char c : name) require(!(c >= 'A' && c <= 'Z'));
    for (char c : value) require(c != '\r' && c != '\n' && c != '\0');
    if (!value.empty()) {
      require(value.front() != ' ' && value.front() != '\t' && value.back() != ' ' && value.back() != '\t');
    }
  }
  if (!request.request_id.empty()) {
    require(request.request_id == sent_id && request.request_id.size() <= 128);
    for (unsigned char c : request.request_id) require(c > 0x20 && c < 0x7f);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const Limits limits;  // the server's defaults
  for (int n = 0; n < 4 && !rest.empty(); ++n) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        parser.put_eof(ec);  // the client has sent everything it will
        break;
      }
      if (ec || used == 0) break;
    }
    if (ec || !parser.is_done()) {
      // The server answers 400 with the parser's message and closes.
      check_body(error_body("malformed HTTP request: " + ec.message()));
      return 0;
    }
    auto message = parser.release();
    std::vector<std::pair<std::string, std::string>> fields;
    std::string sent_id;
    for (const auto& field : message) {
      fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
      if (sent_id.empty() && boost::beast::iequals(field.name_string(), "x-request-id")) sent_id = std::string(field.value());
    }
    auto made = request_from_head(std::string(message.method_string()), std::string(message.target()), std::move(fields));
    if (!made) {
      // The server answers 400 with the reason and closes.
      require(!std::string_view(message.target()).starts_with('/'));
      check_body(error_body(made.error()));
      return 0;
    }
    Request& request = *made;
    request.body = std::move(message.body());
    require(request.body.size() <= limits.max_body_bytes);
    check_request(request, sent_id);

    const Response response = router().route(request);
    require(!response.route.empty());
    check_body(response.body);
    require(response.status == 200 || response.status == 400 || response.status == 404 || response.status == 405 ||
            response.status == 415);
    if (response.status == 405) require(!response.headers.empty() && response.headers.front().first == "Allow");
    // The access log's line holds the method: printable whatever was sent.
    (void)nlohmann::json{{"method", request.method}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!message.keep_alive()) break;
  }
  return 0;
}
