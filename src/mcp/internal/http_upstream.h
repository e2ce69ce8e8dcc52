#pragma once
// Private to the mcp module: the build defines MANDATE_INSIDE_MCP only for src/mcp/ and tests/mcp/.
#ifndef MANDATE_INSIDE_MCP
#error "this header is internal to the mcp module; include a public mcp/ header instead"
#endif
// An MCP server reached over Streamable HTTP (libcurl). Every message is one
// POST; a request's answer comes as application/json or on an SSE stream
// (text/event-stream) that may carry the server's own requests first
// (answered with a POST of their own) and notifications (dropped). Several
// threads may call at once: each exchange takes an idle curl handle from a
// small pool (connections are reused) or makes one. A 404 to a request that
// carried Mcp-Session-Id means the server ended the session: the gateway
// initializes a new one (once for all the threads that saw it) and sends the
// message again, once. A stream that ends before the answer, after an event
// id, is resumed with GET and Last-Event-ID (up to 3 times). The session is
// DELETEd when the upstream goes away.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/upstream.h"

namespace mandate::mcp {

struct CurlHandle;

class HttpUpstream final : public Upstream {
 public:
  explicit HttpUpstream(UpstreamServer server);  // initializes, or throws
  ~HttpUpstream() override;                       // DELETEs the session

  const nlohmann::json& initialize_result() const override { return initialize_result_; }
  RpcOutcome request(const std::string& method, const nlohmann::json& params) override;
  void notify(const std::string& method, const nlohmann::json& params) override;

  // For tests: the session id the server gave ("" for none).
  std::string session_id() const;

  using Clock = std::chrono::steady_clock;

 private:
  struct Session {
    std::string id;       // Mcp-Session-Id, "" when the server gave none
    std::string version;  // MCP-Protocol-Version, "" before initialize
  };
  struct Reply;

  // One HTTP exchange: POST `body`, GET (resuming a stream after
  // `last_event_id`) or DELETE. With `want`, it ends once the answer to that
  // id has come.
  Reply exchange(const char* method, const std::string& body, const std::optional<std::int64_t>& want,
                 const Session& session, Clock::time_point deadline, const std::string& last_event_id = "");
  // The outcome `reply` holds for request `id`, resuming its stream if it
  // ended early; throws Error{io} otherwise.
  RpcOutcome finish(Reply reply, std::int64_t id, const std::string& method, const Session& session,
                    Clock::time_point deadline);
  void cancel(std::int64_t id, const Session& session);
  RpcOutcome call(const std::string& method, const nlohmann::json& params, Clock::time_point deadline, bool may_renew);
  void post_message(const nlohmann::json& message, Clock::time_point deadline, bool may_renew);
  void initialize(Clock::time_point deadline);
  // A new session, unless another thread already replaced `stale`.
  void renew(const std::string& stale, Clock::time_point deadline);
  Session session() const;
  std::unique_ptr<CurlHandle> take_handle();
  void give_back(std::unique_ptr<CurlHandle> handle);

  UpstreamServer server_;
  std::string who_;  // the server's name and its URL's origin (never the path or query)
  nlohmann::json initialize_result_;
  std::atomic<std::int64_t> next_id_{1};
  mutable std::mutex mutex_;  // guards session_ and idle_
  Session session_;
  std::vector<std::unique_ptr<CurlHandle>> idle_;
  std::mutex renew_mutex_;  // one new session at a time
};

}  // namespace mandate::mcp
