#pragma once
// The MCP gateway: an agent's MCP session on one side, the MCP servers of
// [[mcp.servers]] on the other, and a decision of the agent's mandate on
// every tools/call in between (Broker::authorize with a ToolCall). A denied
// call never reaches its server; an allowed one is recorded before it is
// forwarded, and its result's digest after. tools/list shows only the tools
// the mandate and the policies could allow. The gateway itself exposes
// tools only: resources, prompts and the rest answer "method not found".
//
// HTTP-agnostic: the server module's listener (`mandate mcp`) turns each
// HTTP request of the Streamable HTTP transport into an McpHttpRequest and
// sends back the McpHttpAnswer.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "mcp/config.h"

namespace mandate::broker {
class Broker;
}

namespace mandate::mcp {

class Upstream;

struct McpHttpRequest {
  std::string method;  // POST, GET, DELETE
  std::string authorization;  // the Authorization header as sent ("" none)
  std::string dpop;           // the DPoP header ("" none)
  std::string session_id;     // Mcp-Session-Id ("" none)
  std::string protocol_version;  // MCP-Protocol-Version ("" none)
  std::string content_type;
  std::string origin;  // Origin ("" none): a browser page must be our own
  std::optional<std::string> traceparent;
  std::string body;
};

struct McpHttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string caller;  // the agent, once known: for the access log
};

// Opens (and re-opens) the connection to one configured server; a test or
// the listener gives Upstream::open.
using UpstreamOpener = std::function<std::unique_ptr<Upstream>(const UpstreamServer&)>;

class Gateway {
 public:
  // `public_url`: the URL agents call, which their DPoP proofs name (htu).
  Gateway(broker::Broker& broker, GatewayConfig config, std::string public_url, UpstreamOpener opener);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // One HTTP request of the Streamable HTTP transport. Thread-safe.
  McpHttpAnswer handle(const McpHttpRequest& request);

  // The protocol revisions the gateway speaks, newest first.
  static const std::vector<std::string>& protocol_versions();
  static constexpr std::chrono::minutes kSessionIdle{30};
  static constexpr std::size_t kMaxSessions = 10'000;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A tool as the agent sees it: "<server>__<tool>", since two servers may
// name tools alike. Server names hold no "__".
std::string exposed_tool_name(const std::string& server, const std::string& tool);
std::optional<std::pair<std::string, std::string>> split_tool_name(const std::string& exposed);

}  // namespace mandate::mcp
