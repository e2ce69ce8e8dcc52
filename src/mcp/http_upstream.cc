// The Streamable HTTP transport over libcurl's easy interface: one blocking
// transfer per exchange, on the calling thread.
#include "mcp/internal/http_upstream.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <thread>

#include "core/error.h"
#include "mcp/internal/session.h"
#include "mcp/internal/sse.h"

namespace mandate::mcp {

using json = nlohmann::json;

// Largest answer accepted (a tool may return a whole file).
constexpr std::size_t kMaxBody = 64u << 20;
// How often a stream that ended before its answer is resumed.
constexpr int kMaxResumes = 3;
constexpr std::chrono::seconds kShortWait{2};  // cancellations, server-request answers, DELETE

struct CurlHandle {
  CURL* curl = nullptr;
  CurlHandle() : curl(curl_easy_init()) {}
  ~CurlHandle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;
};

struct HttpUpstream::Reply {
  long status = 0;
  std::string content_type;  // the media type, lower case, without parameters
  std::string session_id;    // the Mcp-Session-Id header, "" when none
  std::optional<RpcOutcome> answer;
  std::string body;  // a body that was not an event stream
  std::string last_event_id;
  std::optional<std::chrono::milliseconds> retry;  // the stream's "retry" field
  bool timed_out = false;
};

namespace {

// curl_global_init is not thread-safe and must run once before any handle is
// made; a once_flag does that on first use without a global constructor. It
// is never undone (other threads may still hold handles at exit).
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail(ErrorKind::internal, "curl_global_init failed");
  });
}

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// "text/event-stream; charset=utf-8" -> "text/event-stream".
std::string media_type(const char* header) {
  if (header == nullptr) return "";
  std::string_view v(header);
  return lower(trim(v.substr(0, v.find(';'))));
}

// scheme://host[:port] of a URL: what messages show of it.
std::string origin_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string out = "an unparsable URL";
  if (u != nullptr && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    out = std::string(scheme ? scheme : "") + "://" + (host ? host : "") + (port ? std::string(":") + port : "");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

// What one transfer's callbacks share.
struct Transfer {
  CURL* curl = nullptr;
  std::optional<std::int64_t> want;
  std::function<void(const Request&)> answer_request;
  bool decided = false;  // status and content type read
  bool sse = false;
  bool finished = false;  // stopped on purpose (the answer came, or no answer was wanted)
  bool overflowed = false;
  std::size_t received = 0;
  SseParser parser;
  long status = 0;
  std::string content_type, session_id, body, last_event_id;
  std::optional<std::chrono::milliseconds> retry;
  std::optional<RpcOutcome> answer;
};

// Routes one message that came on an event stream; true when it is the
// answer the transfer waits for.
bool route(Transfer& t, Message& message) {
  if (const auto* request = std::get_if<Request>(&message)) {
    t.answer_request(*request);
    return false;
  }
  std::optional<RequestId> id;
  RpcOutcome outcome;
  if (auto* response = std::get_if<Response>(&message)) {
    id = response->id;
    outcome.result = std::move(response->result);
  } else if (auto* error = std::get_if<ErrorResponse>(&message)) {
    id = error->id;
    outcome.error = std::move(error->error);
  } else {
    return false;  // a notification: dropped
  }
  if (!t.want || !id || *id != RequestId(*t.want)) return false;
  t.answer = std::move(outcome);
  return true;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  try {
    if (!t.decided) {
      t.decided = true;
      char* type = nullptr;
      curl_easy_getinfo(t.curl, CURLINFO_CONTENT_TYPE, &type);
      t.content_type = media_type(type);
      curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.status);
      t.sse = t.status == 200 && t.content_type == "text/event-stream";
    }
    t.received += n;
    if (t.received > kMaxBody) {
      t.overflowed = true;
      return 0;
    }
    if (!t.sse) {
      t.body.append(data, n);
      return n;
    }
    if (!t.want) {  // a stream to a notification or a response: nothing to wait for
      t.finished = true;
      return 0;
    }
    for (SseEvent& event : t.parser.feed(std::string_view(data, n))) {
      if (event.type != "message") continue;
      auto message = parse_message(event.data);
      if (message && route(t, *message)) {
        t.finished = true;
        return 0;  // the answer is in: stop reading (curl reports a write error, expected)
      }
    }
    t.last_event_id = t.parser.last_event_id();
    t.retry = t.parser.retry();
    return n;
  } catch (...) {  // nothing may leave a C callback
    return 0;
  }
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (const auto colon = line.find(':'); colon != std::string_view::npos && lower(line.substr(0, colon)) == "mcp-session-id") {
    t.session_id = trim(line.substr(colon + 1));
  }
  return size * count;
}

// A session id is visible ASCII (0x21 to 0x7E), says the transport spec.
bool valid_session_id(const std::string& id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

long remaining_ms(HttpUpstream::Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - HttpUpstream::Clock::now()).count();
  return std::max<long>(1, static_cast<long>(left));
}

}  // namespace

HttpUpstream::HttpUpstream(UpstreamServer server)
    : Upstream(server.name), server_(std::move(server)), who_(describe(server_.name) + " (" + origin_of(server_.url) + ")") {
  init_curl_once();
  initialize(Clock::now() + server_.call_timeout);
}

HttpUpstream::~HttpUpstream() {
  const Session s = session();
  if (s.id.empty()) return;
  try {  // the server may refuse (405): it then ends the session itself
    exchange("DELETE", "", std::nullopt, s, Clock::now() + kShortWait);
  } catch (const Error&) {
  }
}

std::string HttpUpstream::session_id() const { return session().id; }

HttpUpstream::Session HttpUpstream::session() const {
  std::lock_guard lock(mutex_);
  return session_;
}

std::unique_ptr<CurlHandle> HttpUpstream::take_handle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  auto handle = std::make_unique<CurlHandle>();
  if (handle->curl == nullptr) fail(ErrorKind::io, who_ + ": cannot create a libcurl handle");
  return handle;
}

void HttpUpstream::give_back(std::unique_ptr<CurlHandle> handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 8) idle_.push_back(std::move(handle));
}

HttpUpstream::Reply HttpUpstream::exchange(const char* method, const std::string& body, const std::optional<std::int64_t>& want,
                                           const Session& session, Clock::time_point deadline, const std::string& last_event_id) {
  auto handle = take_handle();
  CURL* curl = handle->curl;
  curl_easy_reset(curl);
  const std::string verb = method;
  Transfer t;
  t.curl = curl;
  t.want = want;
  t.answer_request = [this](const Request& request) {
    try {
      post_message(answer_server_request(request), Clock::now() + kShortWait, false);
    } catch (const Error&) {
      // The server will time its request out; the gateway's own goes on.
    }
  };

  std::vector<std::string> lines;
  if (verb == "POST") {
    lines.push_back("Content-Type: application/json");
    lines.push_back("Accept: application/json, text/event-stream");
  } else if (verb == "GET") {
    lines.push_back("Accept: text/event-stream");
  }
  if (!session.version.empty()) lines.push_back("MCP-Protocol-Version: " + session.version);
  if (!session.id.empty()) lines.push_back("Mcp-Session-Id: " + session.id);
  if (!last_event_id.empty()) lines.push_back("Last-Event-ID: " + last_event_id);
  lines.push_back("Expect:");  // no 100-continue round trip for large bodies
  for (const auto& [name, value] : server_.headers) lines.push_back(name + ": " + value);
  std::unique_ptr<curl_slist, SlistFree> headers;
  for (const std::string& line : lines) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) fail(ErrorKind::io, who_ + ": out of memory building the request");
    if (!headers) headers.reset(grown);
  }

  char error[CURL_ERROR_SIZE] = {};
  const long left = remaining_ms(deadline);
  bool ok = curl_easy_setopt(curl, CURLOPT_URL, server_.url.c_str()) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            // Signals are process-wide; threads must not use them for timeouts.
            curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, left) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(left, 10'000L)) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_USERAGENT, "mandate-gateway") == CURLE_OK;
  if (ok && verb == "POST") {
    ok = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) == CURLE_OK &&
         curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str()) == CURLE_OK;
  } else if (ok && verb == "DELETE") {
    ok = curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE") == CURLE_OK;
  }
  if (!ok) fail(ErrorKind::internal, who_ + ": libcurl refused an option");

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (!t.decided) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t.status);
  give_back(std::move(handle));

  Reply reply;
  reply.status = t.status;
  reply.content_type = std::move(t.content_type);
  reply.session_id = std::move(t.session_id);
  reply.answer = std::move(t.answer);
  reply.body = std::move(t.body);
  reply.last_event_id = std::move(t.last_event_id);
  reply.retry = t.retry;
  if (t.finished) return reply;
  if (t.overflowed) fail(ErrorKind::io, who_ + ": the answer exceeds " + std::to_string(kMaxBody) + " bytes");
  if (code == CURLE_OPERATION_TIMEDOUT) {
    reply.timed_out = true;
    return reply;
  }
  if (code != CURLE_OK) {
    fail(ErrorKind::io, who_ + ": " + verb + " failed: " + (error[0] != '\0' ? std::string(error) : curl_easy_strerror(code)));
  }
  return reply;
}

void HttpUpstream::cancel(std::int64_t id, const Session& session) {
  try {
    const json note = make_notification("notifications/cancelled",
                                        {{"requestId", id}, {"reason", "the gateway stopped waiting (call_timeout)"}});
    exchange("POST", wire(note), std::nullopt, session, Clock::now() + kShortWait);
  } catch (const Error&) {
  }
}

RpcOutcome HttpUpstream::finish(Reply reply, std::int64_t id, const std::string& method, const Session& session,
                                Clock::time_point deadline) {
  for (int resumed = 0;; ++resumed) {
    if (reply.answer) return std::move(*reply.answer);
    if (reply.timed_out) {
      cancel(id, session);
      fail(ErrorKind::io, who_ + " did not answer " + method + " within " +
                              std::to_string(server_.call_timeout.count()) + " ms");
    }
    if (reply.status == 200 && reply.content_type == "application/json") {
      auto message = parse_message(reply.body);
      if (!message) fail(ErrorKind::io, who_ + " answered " + method + " with a malformed message: " + message.error().message);
      if (auto* response = std::get_if<Response>(&*message); response && response->id == RequestId(id)) {
        return RpcOutcome{std::move(response->result), std::nullopt};
      }
      if (auto* error = std::get_if<ErrorResponse>(&*message); error && error->id == RequestId(id)) {
        return RpcOutcome{nullptr, std::move(error->error)};
      }
      fail(ErrorKind::io, who_ + " answered " + method + " with a message that is not its answer");
    }
    if (reply.status == 200 && reply.content_type == "text/event-stream") {
      if (reply.last_event_id.empty() || resumed == kMaxResumes) {
        fail(ErrorKind::io, who_ + " closed the event stream before answering " + method);
      }
      // The server closed the stream on purpose (SSE polling) or lost it:
      // ask again after the delay it asked for, within the deadline.
      if (reply.retry) std::this_thread::sleep_until(std::min(deadline, Clock::now() + *reply.retry));
      reply = exchange("GET", "", id, session, deadline, reply.last_event_id);
      continue;
    }
    std::string detail;
    if (auto message = parse_message(reply.body)) {
      if (const auto* error = std::get_if<ErrorResponse>(&*message)) detail = ": " + error->error.message;
    }
    if (reply.status == 200) {
      fail(ErrorKind::io, who_ + " answered " + method + " with content type " +
                              (reply.content_type.empty() ? std::string("(none)") : reply.content_type) +
                              ", neither application/json nor text/event-stream");
    }
    fail(ErrorKind::io, who_ + " answered " + method + " with HTTP status " + std::to_string(reply.status) + detail);
  }
}

RpcOutcome HttpUpstream::call(const std::string& method, const json& params, Clock::time_point deadline, bool may_renew) {
  const std::int64_t id = next_id_++;
  const Session s = session();
  Reply reply = exchange("POST", wire(make_request(id, method, params)), id, s, deadline);
  if (reply.status == 404 && !s.id.empty() && may_renew) {
    renew(s.id, deadline);
    return call(method, params, deadline, false);
  }
  return finish(std::move(reply), id, method, s, deadline);
}

void HttpUpstream::post_message(const json& message, Clock::time_point deadline, bool may_renew) {
  const Session s = session();
  const Reply reply = exchange("POST", wire(message), std::nullopt, s, deadline);
  if (reply.timed_out) fail(ErrorKind::io, who_ + " did not accept a message within its call_timeout");
  if (reply.status == 404 && !s.id.empty() && may_renew) {
    renew(s.id, deadline);
    return post_message(message, deadline, false);
  }
  if (reply.status != 202 && reply.status != 200) {
    fail(ErrorKind::io, who_ + " refused a message with HTTP status " + std::to_string(reply.status));
  }
}

void HttpUpstream::initialize(Clock::time_point deadline) {
  const std::int64_t id = next_id_++;
  const Session none;
  Reply reply = exchange("POST", wire(make_request(id, "initialize", initialize_params())), id, none, deadline);
  const std::string session_id = reply.session_id;
  const RpcOutcome outcome = finish(std::move(reply), id, "initialize", none, deadline);
  const std::string version = check_initialize(server_.name, outcome);
  if (!valid_session_id(session_id)) fail(ErrorKind::io, who_ + " gave a session id that is not visible ASCII");
  if (initialize_result_.is_null()) initialize_result_ = outcome.result;
  {
    std::lock_guard lock(mutex_);
    session_ = Session{session_id, version};
  }
  post_message(make_notification("notifications/initialized"), deadline, false);
}

void HttpUpstream::renew(const std::string& stale, Clock::time_point deadline) {
  std::lock_guard lock(renew_mutex_);
  if (session().id != stale) return;  // another thread already did
  initialize(deadline);
}

RpcOutcome HttpUpstream::request(const std::string& method, const json& params) {
  return call(method, params, Clock::now() + server_.call_timeout, true);
}

void HttpUpstream::notify(const std::string& method, const json& params) {
  post_message(make_notification(method, params), Clock::now() + server_.call_timeout, true);
}

}  // namespace mandate::mcp
