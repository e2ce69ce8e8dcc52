#pragma once
// Private to the cli module: the build defines MANDATE_INSIDE_CLI only for src/cli/ and tests/cli/.
#ifndef MANDATE_INSIDE_CLI
#error "this header is internal to the cli module; include a public cli/ header instead"
#endif
// The CLI against a running `mandate serve`: one request per command, the
// answer printed as the local command prints it. Who acts is the credential
// (a bearer token or an mTLS client certificate), never --as.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"

namespace mandate::cli {

// One HTTP request to the server. Path segments that carry ids go through
// segment(): actor ids are URIs and would otherwise break the path.
struct RemoteCall {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;

  static RemoteCall get(std::string path) { return {"GET", std::move(path), {}, {}, {}, {}}; }
  static RemoteCall post(std::string path, const nlohmann::json& body = nlohmann::json::object()) {
    return {"POST", std::move(path), {}, {}, body.dump(), "application/json"};
  }
  static RemoteCall put(std::string path, std::string body, std::string content_type) {
    return {"PUT", std::move(path), {}, {}, std::move(body), std::move(content_type)};
  }
};

// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
std::string segment(std::string_view id);

class RemoteClient {
 public:
  explicit RemoteClient(const RemoteOptions& options);

  // The body of a 2xx answer. Anything else throws mandate::Error with the
  // server's own message: 4xx as bad input (422, a check that failed, as
  // check_failed so the exit code matches the local command's), 5xx and
  // transport failures (refused, TLS, timeout) as io.
  std::string text(const RemoteCall& call) const;
  nlohmann::json json(const RemoteCall& call) const;

 private:
  std::string base_;
  std::string authorization_;  // "Authorization: Bearer …", or empty
  RemoteOptions tls_;
};

// The command's whole remote half when the server's JSON answer is what the
// local command prints.
void print_remote(const GlobalOptions& options, const RemoteCall& call);

}  // namespace mandate::cli
