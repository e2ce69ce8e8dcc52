#pragma once
// The [mcp] section of mandate.toml: where the agent gateway listens, how
// long a call held for a person's approval waits, and the MCP servers behind
// it ([[mcp.servers]]). Read strictly: an unknown key, a wrong type, a
// server with both or neither of command and url, a bad or repeated name, a
// URL that is not http(s), a header file that cannot be read is an error
// naming file:line:column. Header files are read now; their contents never
// appear in an error.
//
//   [mcp]
//   address = "127.0.0.1"   # default 127.0.0.1
//   port = 8444             # default 8444; 0: any free port
//   public_url = "https://gw.example/mcp"  # default http://address:port/mcp
//   hold_for = "15m"        # default 15m
//   [[mcp.servers]]
//   name = "filesystem"
//   command = ["node", "server.js", "/srv/project"]
//   environment = { KEY = "v" }
//   working_directory = "servers"   # relative to the config file's folder
//   call_timeout = "60s"
//   [[mcp.servers]]
//   name = "everything"
//   url = "http://127.0.0.1:3001/mcp"
//   headers = { "X-Api-Version" = "1" }
//   header_files = { Authorization = "secrets/everything.token" }
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/upstream.h"

namespace mandate::mcp {

struct GatewayConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8444;
  // The URL agents call (a DPoP proof's htu names it), without a trailing
  // slash. Default http://address:port/mcp; with port 0 that is known only
  // once bound, so it stays empty until then.
  std::string public_url;
  std::chrono::seconds hold_for{std::chrono::minutes(15)};
  std::vector<UpstreamServer> servers;  // at least one
};

// The [mcp] of `text`, a TOML document (the server's config file, named
// `source` in errors); nullopt when it has none. Relative paths
// (working_directory, header_files) are relative to `base_dir`.
std::expected<std::optional<GatewayConfig>, std::string> parse_gateway_config(std::string_view text, std::string_view source,
                                                                              const std::filesystem::path& base_dir);

}  // namespace mandate::mcp
