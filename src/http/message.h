#pragma once
// One HTTP exchange as the handlers see it: plain values, no Boost.Beast, so
// only http/server.cc pays for Beast's headers. Its own module (mandate_http)
// so that a witness serves HTTP without linking the broker and the server.
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mandate::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoding is left to the handlers' parameters
  std::string query;   // after '?', without it
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  std::vector<std::string> peer_certificates_der;  // the mTLS client chain, leaf first
  std::string request_id;  // X-Request-ID as sent, or one made for this request
  // Set while the handler runs on the network thread that read the request
  // (ListenSettings::network_thread_paths): the handler must then not wait
  // for anything. One that would answers Response::handed_off(), and runs
  // again on the handler pool.
  bool on_network_thread = false;
  // Set with on_network_thread: runs a task later on a network thread (it
  // must not wait either), for a handler whose answer must first wait for
  // something else without holding the thread (a decision waiting for its
  // task's turn).
  std::function<void(std::function<void()> task)> later_on_network_thread;

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // A query parameter, percent-decoded ('+' is a space).
  std::optional<std::string> query_parameter(std::string_view name) const;
};

// A body produced over time (Server-Sent Events). Once the handler has
// returned, the listener sends the head with chunked transfer encoding and
// then asks next() for more on the connection's own network thread, about
// every HttpServer::kStreamPollInterval: never from the handler pool, so
// next() must not block. The stream ends when next() says so, when the
// client goes away, or when the server stops.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The next piece to send, "" when there is nothing yet, nullopt at the end.
  virtual std::optional<std::string> next() = 0;
};

struct Response;

// An answer that comes later (a decision waiting for its durable commit,
// without holding a handler thread). The handler returns a Response with
// `deferred` set; whoever has the answer calls complete() once, from any
// thread; the listener's then() runs with it on that thread (or at once,
// if it came first) and must not block.
class DeferredResponse {
 public:
  void complete(Response response);
  void then(std::function<void(Response)> next);

 private:
  std::mutex mu_;
  std::unique_ptr<Response> answer_;  // the answer, until then() takes it
  std::function<void(Response)> next_;
};

struct Response;
// The answer itself: `response`, or for a deferred one what it completes
// with, waited for on this thread (for callers that can block: tests, tools).
Response answer_of(Response response);

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a streamed answer (body is then unused).
  std::shared_ptr<BodyStream> stream;
  // Set for an answer that comes later (everything above is then unused).
  std::shared_ptr<DeferredResponse> deferred;

  // Set by a handler on a network thread that cannot answer without waiting
  // (everything else is then unused): the request goes to the handler pool
  // and is handled again from the start, so the handler must not have
  // changed anything, the request included, before it says so.
  bool hand_off = false;
  static Response handed_off() {
    Response r;
    r.hand_off = true;
    return r;
  }

  // Filled by the router for the access log and metrics: the route's pattern
  // ("/v1/tasks/{id}"), never the raw path, and who called.
  std::string route;
  std::string caller;
};

// The Request a parsed request head makes (http/server.cc's parser has
// checked the syntax): method and target as sent, path and query split at
// the first '?', header names lower-cased, request_id the X-Request-ID sent
// when it is 1 to 128 visible ASCII characters (else empty, for the server to
// make one). A target that is not an absolute path (origin-form, RFC 9112
// §3.2.1) is refused with the reason: the router reads "v1/tasks" as
// "/v1/tasks", and no route serves the absolute or asterisk forms. No Beast
// type here, so src/server/fuzz/ can run it alone.
std::expected<Request, std::string> request_from_head(std::string_view method, std::string_view target,
                                                      std::vector<std::pair<std::string, std::string>> fields);

// "application/json; charset=utf-8" is application/json.
bool media_type_matches(std::string_view content_type, std::string_view expected);

// The one error body: {"error": error}, with "error_description" when given
// (RFC 6749 §5.2's shape, for the OAuth endpoints). What is not UTF-8 is
// replaced, so an error never becomes another error.
std::string error_body(std::string_view error, std::optional<std::string_view> description = std::nullopt);

// RFC 3986 percent-decoding; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// application/x-www-form-urlencoded (RFC 8693 and 7662 requests); nullopt
// when malformed or a name repeats (OAuth parameters must not repeat, RFC
// 6749 §3.1), except the names in `repeatable` (RFC 8707 `resource`, RFC
// 8693 `audience`).
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(
    std::string_view body, std::initializer_list<std::string_view> repeatable = {});

}  // namespace mandate::http
