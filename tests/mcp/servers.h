#pragma once
// Real MCP servers on node for tests/mcp: npm server-everything and
// server-filesystem from the project's node_modules, and test_server.mjs
// (on the MCP SDK). Each runs as a testing::Child: killed and reaped when
// the object goes away, even when a test fails.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "mcp/upstream.h"
#include "support/files.h"
#include "support/process.h"

namespace mandate::mcp::test {

inline const std::filesystem::path kSourceDir = MANDATE_SOURCE_DIR;
inline const std::string kNode = MANDATE_NODE;
inline const std::filesystem::path kEverything = kSourceDir / "node_modules/@modelcontextprotocol/server-everything/dist/index.js";
inline const std::filesystem::path kFilesystem = kSourceDir / "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js";
inline const std::filesystem::path kTestServer = kSourceDir / "tests/mcp/test_server.mjs";

// A port nobody listens on right now (bound to 0, then released).
inline std::uint16_t free_port() {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(s);
    throw std::runtime_error("cannot bind a free port");
  }
  close(s);
  return ntohs(a.sin_port);
}

inline bool accepts(std::uint16_t port) {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

inline void wait_accepting(std::uint16_t port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!accepts(port)) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no server came up on port " + std::to_string(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

// An HTTP MCP server on a free port: `args` run with node, "{port}" in
// them replaced by the port; PORT is set too (server-everything reads it).
class HttpServer {
 public:
  HttpServer(const testing::TempDir& dir, std::vector<std::string> args, std::uint16_t port = 0)
      : port_(port != 0 ? port : free_port()) {
    for (auto& a : args) {
      if (a == "{port}") a = std::to_string(port_);
    }
    std::vector<std::string> argv = {"env", "PORT=" + std::to_string(port_), kNode};
    argv.insert(argv.end(), args.begin(), args.end());
    child_ = std::make_unique<testing::Child>(argv, dir / ("server-" + std::to_string(port_) + ".log"));
    wait_accepting(port_);
  }
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }
  testing::Child& child() { return *child_; }
  void stop() { child_->terminate(std::chrono::seconds(2)); }

 private:
  std::uint16_t port_;
  std::unique_ptr<testing::Child> child_;
};

inline UpstreamServer stdio_server(std::string name, std::vector<std::string> args) {
  UpstreamServer s;
  s.name = std::move(name);
  s.command = {kNode};
  s.command.insert(s.command.end(), args.begin(), args.end());
  s.call_timeout = std::chrono::seconds(15);
  return s;
}

inline UpstreamServer http_server(std::string name, std::string url) {
  UpstreamServer s;
  s.name = std::move(name);
  s.url = std::move(url);
  s.call_timeout = std::chrono::seconds(15);
  return s;
}

// The text of a tools/call result's first content item.
inline std::string first_text(const nlohmann::json& result) {
  if (!result.contains("content") || result["content"].empty()) return "";
  return result["content"][0].value("text", "");
}

}  // namespace mandate::mcp::test
