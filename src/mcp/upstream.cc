#include "mcp/upstream.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "mcp/internal/http_upstream.h"
#include "mcp/internal/session.h"
#include "mcp/internal/stdio_upstream.h"

namespace mandate::mcp {

using json = nlohmann::json;

std::string describe(const std::string& server) { return "mcp server \"" + server + "\""; }

std::string wire(const json& message) {
  try {
    return message.dump();
  } catch (const json::exception&) {
    fail(ErrorKind::bad_input, "an MCP message holds a string that is not UTF-8");
  }
}

json initialize_params() {
  return {{"protocolVersion", kProtocolVersion},
          {"capabilities", json::object()},
          {"clientInfo", {{"name", kClientName}, {"version", MANDATE_MCP_CLIENT_VERSION}}}};
}

std::string check_initialize(const std::string& server, const RpcOutcome& outcome) {
  const std::string who = describe(server);
  if (outcome.error) {
    fail(ErrorKind::io, who + " refused initialize: " + outcome.error->message + " (code " + std::to_string(outcome.error->code) + ")");
  }
  const json& r = outcome.result;
  const auto version = r.find("protocolVersion");
  if (version == r.end() || !version->is_string()) fail(ErrorKind::io, who + " answered initialize without a protocolVersion");
  const std::string chosen = version->get<std::string>();
  if (std::find(std::begin(kSupportedProtocolVersions), std::end(kSupportedProtocolVersions), chosen) ==
      std::end(kSupportedProtocolVersions)) {
    fail(ErrorKind::io, who + " speaks MCP revision " + json(chosen).dump() + ", which the gateway does not (it speaks " +
                            std::string(kProtocolVersion) + ", 2025-06-18 and 2025-03-26)");
  }
  if (!r.contains("capabilities") || !r.at("capabilities").is_object()) {
    fail(ErrorKind::io, who + " answered initialize without a capabilities object");
  }
  const auto info = r.find("serverInfo");
  if (info == r.end() || !info->is_object() || !info->contains("name") || !info->at("name").is_string()) {
    fail(ErrorKind::io, who + " answered initialize without serverInfo.name");
  }
  return chosen;
}

json answer_server_request(const Request& request) {
  if (request.method == "ping") return make_response(request.id, json::object());
  return error_response(request.id, rpc_code::method_not_found,
                        "Method not found: the mandate gateway offers MCP servers no " + request.method);
}

std::unique_ptr<Upstream> Upstream::open(const UpstreamServer& server) {
  const bool has_command = !server.command.empty();
  const bool has_url = !server.url.empty();
  if (has_command == has_url) fail(ErrorKind::bad_input, describe(server.name) + " needs exactly one of command and url");
  if (has_command) return std::make_unique<StdioUpstream>(server);
  return std::make_unique<HttpUpstream>(server);
}

Upstream::~Upstream() = default;

std::vector<json> Upstream::list_tools() {
  std::vector<json> tools;
  std::set<std::string> cursors;
  json params = json::object();
  while (true) {
    const RpcOutcome page = request("tools/list", params);
    if (page.error) {
      fail(ErrorKind::io, describe(name()) + " refused tools/list: " + page.error->message + " (code " +
                              std::to_string(page.error->code) + ")");
    }
    const auto list = page.result.find("tools");
    if (list == page.result.end() || !list->is_array()) fail(ErrorKind::io, describe(name()) + " answered tools/list without a tools array");
    for (const json& tool : *list) {
      if (!tool.is_object() || !tool.contains("name") || !tool.at("name").is_string()) {
        fail(ErrorKind::io, describe(name()) + " listed a tool without a name");
      }
      tools.push_back(tool);
    }
    const auto next = page.result.find("nextCursor");
    if (next == page.result.end() || next->is_null()) return tools;
    if (!next->is_string()) fail(ErrorKind::io, describe(name()) + " answered tools/list with a nextCursor that is not a string");
    // A server that hands back a cursor it gave before would page forever.
    if (!cursors.insert(next->get<std::string>()).second) {
      fail(ErrorKind::io, describe(name()) + " answered tools/list with a nextCursor it gave before");
    }
    params = {{"cursor", *next}};
  }
}

}  // namespace mandate::mcp
