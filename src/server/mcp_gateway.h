#pragma once
// `mandate mcp`: the MCP gateway (src/mcp) on a listener of its own, at
// [mcp] address and port, over the same home as `mandate serve`. Agents
// reach it over MCP's Streamable HTTP transport at the path of its public
// URL (default /mcp); GET /healthz answers while it runs. Serves until
// SIGTERM/SIGINT, then drains.
#include <filesystem>
#include <iosfwd>

namespace mandate::server {

// Prints one JSON line to `announce` once listening:
// {"listening":"127.0.0.1:8444","mcp":"http://127.0.0.1:8444/mcp"}. Throws
// Error{bad_input} for a bad config or one without [mcp].
void serve_mcp(const std::filesystem::path& config_file, std::ostream& announce);

}  // namespace mandate::server
