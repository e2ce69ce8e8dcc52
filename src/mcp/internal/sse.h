#pragma once
// Private to the mcp module: the build defines MANDATE_INSIDE_MCP only for src/mcp/ and tests/mcp/.
#ifndef MANDATE_INSIDE_MCP
#error "this header is internal to the mcp module; include a public mcp/ header instead"
#endif
// An incremental text/event-stream parser, as the WHATWG HTML standard
// (§9.2.6 "Interpreting an event stream") defines it: the bytes may arrive
// split anywhere, lines end in CRLF, LF or CR, ':' starts a comment, the
// fields are event, data (one line each, joined by LF), id and retry; an
// empty line dispatches the event unless its data is empty. Written by hand:
// libcurl hands over raw bytes and no maintained C++ library parses SSE
// incrementally without bringing its own HTTP client.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::mcp {

struct SseEvent {
  std::string type = "message";  // the "event" field, "message" when none
  std::string data;              // the data lines joined by "\n"
  std::string last_event_id;     // the stream's last event id at dispatch
};

class SseParser {
 public:
  // Feeds the next bytes; the events they complete, in order.
  std::vector<SseEvent> feed(std::string_view bytes);
  // The last "retry" field's value, if any.
  std::optional<std::chrono::milliseconds> retry() const { return retry_; }
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);

  std::string pending_;           // an incomplete line
  bool skip_lf_ = false;          // the last chunk ended in CR: a leading LF belongs to it
  bool started_ = false;          // the first bytes seen (a leading BOM is dropped)
  std::string event_type_;
  std::string data_;
  std::string last_event_id_;
  std::optional<std::chrono::milliseconds> retry_;
};

}  // namespace mandate::mcp
