#pragma once
// Private to the mcp module: the build defines MANDATE_INSIDE_MCP only for src/mcp/ and tests/mcp/.
#ifndef MANDATE_INSIDE_MCP
#error "this header is internal to the mcp module; include a public mcp/ header instead"
#endif
// An MCP server the gateway runs itself (the stdio transport): started with
// posix_spawn (only fds 0-2 reach it, its environment is the configured one
// over a small inherited set), newline-delimited JSON-RPC on its stdin and
// stdout, its stderr copied line by line to the gateway's stderr prefixed
// with "[mcp <name>] " (servers log there; the gateway's stdout is never
// written: `mandate mcp` may speak stdio to its agent on it).
//
// One reader thread per process routes answers to the waiting requests by
// id. When the process dies every waiting request fails with Error{io}; the
// next request starts a new process and initializes it again (once per
// request: if that fails, the request fails and the one after tries anew).
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "mcp/upstream.h"

namespace mandate::mcp {

class StdioChild;

class StdioUpstream final : public Upstream {
 public:
  explicit StdioUpstream(UpstreamServer server);  // starts and initializes, or throws
  // Closes the server's stdin, then SIGTERM, then SIGKILL; reaps it.
  ~StdioUpstream() override;

  const nlohmann::json& initialize_result() const override { return initialize_result_; }
  RpcOutcome request(const std::string& method, const nlohmann::json& params) override;
  void notify(const std::string& method, const nlohmann::json& params) override;

  // For tests: the running server's process id (-1: none running).
  pid_t pid() const;

 private:
  // The running process, started (and initialized) anew if it died.
  std::shared_ptr<StdioChild> running();
  std::shared_ptr<StdioChild> start();

  UpstreamServer server_;
  nlohmann::json initialize_result_;
  std::atomic<std::int64_t> next_id_{1};
  mutable std::mutex mutex_;  // guards child_; held while a new process starts
  std::shared_ptr<StdioChild> child_;
};

}  // namespace mandate::mcp
