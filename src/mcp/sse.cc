#include "mcp/internal/sse.h"

#include <algorithm>

namespace mandate::mcp {

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  if (!started_ && !bytes.empty()) {
    pending_.append(bytes);
    // A UTF-8 BOM may only open the stream; wait for three bytes to tell.
    if (pending_.size() < 3 && std::string_view("\xEF\xBB\xBF").starts_with(pending_)) return out;
    started_ = true;
    if (pending_.starts_with("\xEF\xBB\xBF")) pending_.erase(0, 3);
    std::string first;
    first.swap(pending_);
    return feed(first);
  }
  std::size_t i = 0;
  if (skip_lf_ && !bytes.empty()) {
    if (bytes[0] == '\n') i = 1;
    skip_lf_ = false;
  }
  while (i < bytes.size()) {
    const std::size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      pending_.append(bytes.substr(i));
      break;
    }
    pending_.append(bytes.substr(i, end - i));
    std::string text;
    text.swap(pending_);
    line(text, out);
    i = end + 1;
    if (bytes[end] == '\r') {
      if (i < bytes.size()) {
        if (bytes[i] == '\n') ++i;
      } else {
        skip_lf_ = true;
      }
    }
  }
  return out;
}

void SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) {  // dispatch
    if (data_.empty()) {
      event_type_.clear();
      return;
    }
    if (data_.back() == '\n') data_.pop_back();
    out.push_back(SseEvent{event_type_.empty() ? "message" : event_type_, std::move(data_), last_event_id_});
    data_.clear();
    event_type_.clear();
    return;
  }
  if (text.front() == ':') return;  // a comment (servers send them as keep-alives)
  std::string_view field = text;
  std::string_view value;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_type_ = value;
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_ = value;
  } else if (field == "retry") {
    if (!value.empty() && value.size() <= 18 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ = std::chrono::milliseconds(std::stoll(std::string(value)));
    }
  }
  // Any other field is ignored.
}

}  // namespace mandate::mcp
