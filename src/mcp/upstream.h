#pragma once
// The gateway's side towards MCP servers ("upstream"): one live connection
// to one server, over stdio (the gateway starts the server as a child
// process) or Streamable HTTP, speaking MCP revision 2025-11-25. open()
// initializes the session; request() sends one JSON-RPC request and waits
// for its answer. Concurrent requests from many threads share the
// connection, matched to their answers by id. Requests the server sends
// (sampling, elicitation, roots) are answered "method not found" — the
// gateway offers the server no client capabilities — except ping, which
// is answered {}; the server's notifications (log messages, progress) are
// dropped.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc.h"

namespace mandate::mcp {

// The protocol revision the gateway asks for in initialize.
inline constexpr std::string_view kProtocolVersion = "2025-11-25";
// The revisions it accepts in the server's answer (newest first); the one
// the server picks is sent as MCP-Protocol-Version over HTTP.
inline constexpr std::string_view kSupportedProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
// clientInfo.name in initialize.
inline constexpr std::string_view kClientName = "mandate-gateway";

// One [[mcp.servers]] entry of mandate.toml.
struct UpstreamServer {
  std::string name;  // [a-z0-9_-]{1,64}, unique among the servers
  // Exactly one of command (stdio) or url (Streamable HTTP).
  // stdio: the program and its arguments (looked up on the gateway's PATH),
  // the variables set on top of the few the child inherits (HOME, LOGNAME,
  // PATH, SHELL, TERM, USER: as the MCP SDK does, so the gateway's own
  // secrets in its environment do not reach the server), and the working
  // directory (empty: the gateway's).
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> environment;
  std::filesystem::path working_directory;
  // Streamable HTTP: the MCP endpoint, and headers sent with every request
  // (values read from header_files included: never logged, never in errors).
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  // How long one request may wait for its answer.
  std::chrono::milliseconds call_timeout{60'000};
};

struct RpcOutcome {
  nlohmann::json result;         // the result object (null when error is set)
  std::optional<RpcError> error;  // the server's JSON-RPC error, as it sent it
};

class Upstream {
 public:
  // Starts (stdio) or connects to (HTTP) the server, sends initialize
  // (protocolVersion kProtocolVersion, no client capabilities, clientInfo
  // {kClientName, mandate's version}), checks the answer (a supported
  // protocolVersion, capabilities and serverInfo objects) and sends
  // notifications/initialized. Throws Error{io} naming the server when it
  // cannot be reached or started, dies, times out (call_timeout) or answers
  // initialize with anything else; Error{bad_input} when `server` has
  // neither or both of command and url.
  static std::unique_ptr<Upstream> open(const UpstreamServer& server);

  virtual ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  const std::string& name() const { return name_; }
  // The server's answer to the first initialize (a restart's answer is
  // checked, not kept: a reference handed out stays valid).
  virtual const nlohmann::json& initialize_result() const = 0;
  // One request; its result or the server's error. Throws Error{io} naming
  // the server and the method when the transport fails, the server dies
  // while it waits, or no answer comes within call_timeout (the server is
  // then sent notifications/cancelled for it).
  virtual RpcOutcome request(const std::string& method, const nlohmann::json& params) = 0;
  // One notification (no answer). Throws Error{io} when it cannot be sent.
  virtual void notify(const std::string& method, const nlohmann::json& params) = 0;

  // Every tool the server offers, over all pages of tools/list. Throws
  // Error{io} when a page fails or the server answers with an error or a
  // malformed page.
  std::vector<nlohmann::json> list_tools();

 protected:
  explicit Upstream(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

}  // namespace mandate::mcp
