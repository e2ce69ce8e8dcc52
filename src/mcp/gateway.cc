// The MCP gateway (gateway.h): sessions, the agent's proof on every
// request, and a recorded decision before every tools/call.
#include "mcp/gateway.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>
#include <iostream>
#include <mutex>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "core/error.h"
#include "core/time.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "encoding/json.h"
#include "mcp/jsonrpc.h"
#include "mcp/upstream.h"

namespace mandate::mcp {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The server-defined JSON-RPC codes (-32000 to -32099) the gateway answers
// with, beside the standard ones.
constexpr int kDenied = -32001;
constexpr int kHeldForApproval = -32002;
constexpr int kServerUnavailable = -32003;

constexpr const char* kSessionAction = "mcp:session";
constexpr const char* kSessionResource = "mcp:gateway";

struct Session {
  std::string task_id;
  std::string executor;
  std::string protocol_version;
  Clock::time_point last_used;
};

McpHttpAnswer json_answer(int status, const json& body) { return {status, "application/json", body.dump(), {}, ""}; }

McpHttpAnswer rpc_answer(const json& message) { return json_answer(200, message); }

McpHttpAnswer rpc_error(const RequestId& id, int code, const std::string& message, const json& data = nullptr) {
  return rpc_answer(error_response(id, code, message, data));
}

McpHttpAnswer http_error(int status, const std::string& message) { return json_answer(status, json{{"error", message}}); }

// RFC 9449 §7.1: "DPoP <token>", the scheme case-insensitive.
std::optional<std::string> dpop_token(const std::string& authorization) {
  if (authorization.size() < 6) return std::nullopt;
  std::string scheme = authorization.substr(0, 5);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "dpop " ) return std::nullopt;
  std::string token = authorization.substr(5);
  while (!token.empty() && token.front() == ' ') token.erase(token.begin());
  if (token.empty()) return std::nullopt;
  return token;
}

std::string digest_of(const json& value) {
  auto canonical = encoding::canonicalize(value);
  return encoding::hex_encode(crypto::sha256(canonical ? *canonical : value.dump()));
}

// What the agent is told about a decision that refused its call.
json decision_data(const broker::DecisionResult& d) {
  json data = {{"decision", d.allow ? "allow" : "deny"}, {"decided_by", d.decided_by}, {"reasons", d.reasons},
               {"ledger_index", d.ledger_index},       {"mandate", d.mandate_id},     {"task", d.task_id}};
  if (!d.policy_errors.empty()) data["policy_errors"] = d.policy_errors;
  return data;
}

}  // namespace

// Tool results are recorded after the agent has its answer, in order, by
// one thread of their own: a result's entry is evidence of what the server
// answered, not a decision, and waiting for its commit would double what
// every call costs the agent. Decisions are always durable before the call
// runs. Stopping drains what is queued.
class ResultRecorder {
 public:
  explicit ResultRecorder(broker::Broker& broker) : broker_(broker), thread_([this] { run(); }) {}
  ~ResultRecorder() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  ResultRecorder(const ResultRecorder&) = delete;
  ResultRecorder& operator=(const ResultRecorder&) = delete;

  void record(broker::ToolResult result) {
    std::unique_lock lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      // Far behind: this caller records its own, so the queue stays bounded.
      lock.unlock();
      write(result);
      return;
    }
    queue_.push_back(std::move(result));
    lock.unlock();
    cv_.notify_one();
  }

 private:
  static constexpr std::size_t kMaxQueued = 4096;

  void write(const broker::ToolResult& result) {
    try {
      broker_.record_tool_result(result);
    } catch (const std::exception& e) {
      std::cerr << json{{"event", "mcp_result_not_recorded"}, {"decision_index", result.decision_index},
                        {"message", e.what()}}.dump()
                << std::endl;
    }
  }
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      broker::ToolResult next = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      write(next);
      lock.lock();
    }
  }

  broker::Broker& broker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<broker::ToolResult> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

struct Gateway::Impl {
  Impl(broker::Broker& b, GatewayConfig c, std::string url, UpstreamOpener o)
      : broker(b), config(std::move(c)), public_url(std::move(url)), opener(std::move(o)), results(b) {}
  broker::Broker& broker;
  GatewayConfig config;
  std::string public_url;
  UpstreamOpener opener;
  ResultRecorder results;

  std::mutex sessions_mu;
  std::unordered_map<std::string, Session> sessions;

  struct Connection {
    std::mutex mu;
    std::shared_ptr<Upstream> upstream;
  };
  std::unordered_map<std::string, std::unique_ptr<Connection>> connections;  // by server name; fixed at construction

  broker::DecisionRequest decision_request(const McpHttpRequest& r, const std::string& token) const {
    broker::DecisionRequest d;
    d.token = token;
    d.proof = r.dpop;
    d.action = kSessionAction;
    d.resource = kSessionResource;
    d.traceparent = r.traceparent;
    d.http_request = broker::HttpRequest{r.method, public_url};
    return d;
  }

  const UpstreamServer* server_named(const std::string& name) const {
    const auto it = std::find_if(config.servers.begin(), config.servers.end(), [&](const auto& s) { return s.name == name; });
    return it == config.servers.end() ? nullptr : &*it;
  }

  // The live connection to a server, opened on first use and again after
  // it failed. Error{io} when it cannot be reached.
  std::shared_ptr<Upstream> upstream(const std::string& name) {
    Connection& c = *connections.at(name);
    std::lock_guard lock(c.mu);
    if (!c.upstream) c.upstream = opener(*server_named(name));
    return c.upstream;
  }
  void drop_upstream(const std::string& name, const std::shared_ptr<Upstream>& failed) {
    Connection& c = *connections.at(name);
    std::lock_guard lock(c.mu);
    if (c.upstream == failed) c.upstream.reset();
  }

  std::optional<Session> session(const std::string& id) {
    std::lock_guard lock(sessions_mu);
    const auto it = sessions.find(id);
    if (it == sessions.end()) return std::nullopt;
    if (Clock::now() - it->second.last_used > kSessionIdle) {
      sessions.erase(it);
      return std::nullopt;
    }
    it->second.last_used = Clock::now();
    return it->second;
  }

  std::optional<std::string> open_session(Session s) {
    std::lock_guard lock(sessions_mu);
    std::erase_if(sessions, [](const auto& kv) { return Clock::now() - kv.second.last_used > kSessionIdle; });
    if (sessions.size() >= kMaxSessions) return std::nullopt;
    std::string id = encoding::hex_encode(crypto::random_bytes(16));
    s.last_used = Clock::now();
    sessions.emplace(id, std::move(s));
    return id;
  }

  McpHttpAnswer handle(const McpHttpRequest& r);
  McpHttpAnswer post(const McpHttpRequest& r, const std::string& token);
  McpHttpAnswer initialize(const McpHttpRequest& r, const std::string& token, const Request& m);
  McpHttpAnswer list_tools(const broker::PresentationCheck& who, const Request& m);
  McpHttpAnswer call_tool(const McpHttpRequest& r, const std::string& token, const Request& m);
};

const std::vector<std::string>& Gateway::protocol_versions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return versions;
}

std::string exposed_tool_name(const std::string& server, const std::string& tool) { return server + "__" + tool; }

std::optional<std::pair<std::string, std::string>> split_tool_name(const std::string& exposed) {
  const auto at = exposed.find("__");
  if (at == std::string::npos || at == 0 || at + 2 >= exposed.size()) return std::nullopt;
  return std::pair{exposed.substr(0, at), exposed.substr(at + 2)};
}

Gateway::Gateway(broker::Broker& broker, GatewayConfig config, std::string public_url, UpstreamOpener opener)
    : impl_(std::make_unique<Impl>(broker, std::move(config), std::move(public_url), std::move(opener))) {
  for (const UpstreamServer& s : impl_->config.servers) {
    if (s.name.find("__") != std::string::npos) fail(ErrorKind::bad_input, "MCP server name " + s.name + " holds \"__\"");
    impl_->connections.emplace(s.name, std::make_unique<Impl::Connection>());
  }
}

Gateway::~Gateway() = default;

McpHttpAnswer Gateway::handle(const McpHttpRequest& request) {
  try {
    return impl_->handle(request);
  } catch (const Error& e) {
    // The broker refused the request as malformed, or the store failed:
    // the agent learns why, never a secret (errors carry none).
    if (e.kind() == ErrorKind::bad_input || e.kind() == ErrorKind::not_found) return http_error(400, e.what());
    if (e.kind() == ErrorKind::conflict) return http_error(409, e.what());
    return http_error(503, e.what());
  }
}

McpHttpAnswer Gateway::Impl::handle(const McpHttpRequest& r) {
  if (!r.origin.empty() && !public_url.starts_with(r.origin + "/") && public_url != r.origin) {
    // MCP's transport rule against DNS rebinding: a page of another origin
    // may not drive an agent's session.
    return http_error(403, "Origin " + r.origin + " may not call this gateway");
  }
  const auto token = dpop_token(r.authorization);
  if (!token) {
    auto answer = http_error(401, "a mandate is presented as Authorization: DPoP <mandate> with a DPoP proof");
    answer.headers.emplace_back("WWW-Authenticate", "DPoP algs=\"EdDSA ES256\"");
    return answer;
  }
  if (r.method == "GET") {
    // No server-initiated stream: every answer comes on its POST.
    auto answer = http_error(405, "this gateway sends no server-initiated messages; POST JSON-RPC messages");
    answer.headers.emplace_back("Allow", "POST, DELETE");
    return answer;
  }
  if (r.method == "DELETE") {
    const auto who = broker.check_presentation(decision_request(r, *token));
    if (!who.valid) return http_error(401, who.failed_check + ": " + who.reason);
    std::lock_guard lock(sessions_mu);
    const auto it = sessions.find(r.session_id);
    if (it == sessions.end() || it->second.executor != who.executor) return http_error(404, "no such session");
    sessions.erase(it);
    return {204, "application/json", "", {}, who.executor};
  }
  if (r.method != "POST") {
    auto answer = http_error(405, "POST JSON-RPC messages, or DELETE a session");
    answer.headers.emplace_back("Allow", "POST, DELETE");
    return answer;
  }
  return post(r, *token);
}

McpHttpAnswer Gateway::Impl::post(const McpHttpRequest& r, const std::string& token) {
  if (r.content_type.substr(0, r.content_type.find(';')) != "application/json") {
    return http_error(415, "JSON-RPC messages are sent as application/json");
  }
  auto parsed = parse_message(r.body);
  if (!parsed) return rpc_answer(error_response(parsed.error().id, parsed.error()));
  const Request* request = std::get_if<Request>(&*parsed);
  if (request && request->method == "initialize") return initialize(r, token, *request);

  if (!r.protocol_version.empty() &&
      std::find(protocol_versions().begin(), protocol_versions().end(), r.protocol_version) == protocol_versions().end()) {
    return http_error(400, "unsupported MCP-Protocol-Version " + r.protocol_version);
  }
  if (r.session_id.empty()) return http_error(400, "Mcp-Session-Id is required after initialize");
  const auto session = this->session(r.session_id);
  if (!session) return http_error(404, "no such session (it ended or expired): initialize again");

  // Notifications, and answers to requests the gateway never sends.
  if (!request) return {202, "application/json", "", {}, session->executor};
  const Request& m = *request;
  // Each call is decided on the mandate it presents: the session is the
  // transport's, and the decision records it.
  if (m.method == "tools/call") return call_tool(r, token, m);

  const auto who = broker.check_presentation(decision_request(r, token));
  if (!who.valid) return http_error(401, who.failed_check + ": " + who.reason);
  if (who.executor != session->executor || who.task_id != session->task_id) {
    return http_error(404, "this session belongs to another agent or task: initialize again");
  }
  McpHttpAnswer answer;
  if (m.method == "ping") {
    answer = rpc_answer(make_response(m.id, json::object()));
  } else if (m.method == "tools/list") {
    answer = list_tools(who, m);
  } else {
    answer = rpc_error(m.id, rpc_code::method_not_found, "the gateway offers tools only: " + m.method + " is not served");
  }
  answer.caller = who.executor;
  return answer;
}

McpHttpAnswer Gateway::Impl::initialize(const McpHttpRequest& r, const std::string& token, const Request& m) {
  const auto who = broker.check_presentation(decision_request(r, token));
  if (!who.valid) return http_error(401, who.failed_check + ": " + who.reason);
  const json params = m.params.value_or(json::object());
  const std::string asked = params.contains("protocolVersion") && params["protocolVersion"].is_string()
                                ? params["protocolVersion"].get<std::string>()
                                : "";
  const auto& known = protocol_versions();
  const std::string version = std::find(known.begin(), known.end(), asked) != known.end() ? asked : known.front();
  const auto id = open_session({who.task_id, who.executor, version, {}});
  if (!id) return http_error(503, "too many open sessions; try again later");
  json result = {{"protocolVersion", version},
                 {"capabilities", {{"tools", {{"listChanged", false}}}}},
                 {"serverInfo", {{"name", "mandate-gateway"}, {"version", "1"}}},
                 {"instructions",
                  "Every tool call is decided against your mandate for task " + who.task_id +
                      " and recorded. A refused call answers error -32001 with the reason; a call that needs a "
                      "person's approval answers -32002 naming the task to approve: call again with the same "
                      "arguments once it is approved."}};
  McpHttpAnswer answer = rpc_answer(make_response(m.id, result));
  answer.headers.emplace_back("Mcp-Session-Id", *id);
  answer.caller = who.executor;
  return answer;
}

McpHttpAnswer Gateway::Impl::list_tools(const broker::PresentationCheck& who, const Request& m) {
  std::vector<json> offered;
  std::vector<std::pair<std::string, std::string>> names;
  for (const UpstreamServer& s : config.servers) {
    std::shared_ptr<Upstream> up;
    try {
      up = upstream(s.name);
      for (json& tool : up->list_tools()) {
        if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) continue;
        names.emplace_back(s.name, tool["name"].get<std::string>());
        offered.push_back(std::move(tool));
      }
    } catch (const Error& e) {
      // One server down hides its tools, not everyone's.
      if (up) drop_upstream(s.name, up);
      std::cerr << json{{"event", "mcp_server_unavailable"}, {"server", s.name}, {"message", e.what()}}.dump() << std::endl;
    }
  }
  const std::vector<bool> reach = broker.tools_in_reach(who, names);
  json tools = json::array();
  for (std::size_t i = 0; i < offered.size(); ++i) {
    if (!reach[i]) continue;
    offered[i]["name"] = exposed_tool_name(names[i].first, names[i].second);
    tools.push_back(std::move(offered[i]));
  }
  return rpc_answer(make_response(m.id, json{{"tools", tools}}));
}

McpHttpAnswer Gateway::Impl::call_tool(const McpHttpRequest& r, const std::string& token, const Request& m) {
  const json params = m.params.value_or(json::object());
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    return rpc_error(m.id, rpc_code::invalid_params, "tools/call needs params.name, a string");
  }
  const json arguments = params.value("arguments", json::object());
  if (!arguments.is_object()) return rpc_error(m.id, rpc_code::invalid_params, "tools/call params.arguments must be an object");
  const auto names = split_tool_name(params["name"].get<std::string>());
  if (!names || !server_named(names->first)) {
    return rpc_error(m.id, rpc_code::invalid_params, "unknown tool " + params["name"].get<std::string>());
  }
  const auto& [server, tool] = *names;

  broker::DecisionRequest request = decision_request(r, token);
  request.action = broker::kToolCallAction;
  request.resource = broker::tool_call_resource(server, tool);
  request.tool_call = broker::ToolCall{server, tool, arguments, r.session_id, config.hold_for};
  const broker::DecisionResult decision = broker.authorize(request);
  McpHttpAnswer answer;
  if (!decision.allow) {
    if (decision.held) {
      json data = decision_data(decision);
      data["held_task"] = decision.held->task_id;
      data["expires_at"] = core::format_timestamp(decision.held->expires_at);
      data["approve_with"] = "mandate approve " + decision.held->task_id;
      answer = rpc_error(m.id, kHeldForApproval,
                         "held for a person's approval in task " + decision.held->task_id +
                             ": call again with the same arguments once it is approved",
                         data);
    } else {
      answer = rpc_error(m.id, kDenied, "denied by " + decision.decided_by + ": " +
                                            (decision.reasons.empty() ? std::string("no reason") : decision.reasons.front()),
                         decision_data(decision));
    }
    answer.caller = decision.executor;
    return answer;
  }

  json forwarded = {{"name", tool}, {"arguments", arguments}};
  if (params.contains("_meta")) forwarded["_meta"] = params["_meta"];
  std::shared_ptr<Upstream> up;
  RpcOutcome outcome;
  try {
    up = upstream(server);
    outcome = up->request("tools/call", forwarded);
  } catch (const Error& e) {
    if (up) drop_upstream(server, up);
    const json failure = {{"error", e.what()}};
    results.record({decision.ledger_index, decision.mandate_id, decision.task_id, decision.presenter, server, tool, true,
                    digest_of(failure), decision.approval_task, r.traceparent});
    answer = rpc_error(m.id, kServerUnavailable, "MCP server " + server + " is unavailable: " + e.what());
    answer.caller = decision.executor;
    return answer;
  }
  const bool is_error = outcome.error.has_value() || (outcome.result.is_object() && outcome.result.value("isError", false));
  const json answered = outcome.error ? json{{"code", outcome.error->code}, {"message", outcome.error->message}} : outcome.result;
  results.record({decision.ledger_index, decision.mandate_id, decision.task_id, decision.presenter, server, tool, is_error,
                  digest_of(answered), decision.approval_task, r.traceparent});
  if (outcome.error) {
    answer = rpc_error(m.id, outcome.error->code, outcome.error->message, outcome.error->data);
  } else {
    answer = rpc_answer(make_response(m.id, outcome.result));
  }
  answer.caller = decision.executor;
  return answer;
}

}  // namespace mandate::mcp
