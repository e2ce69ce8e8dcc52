#include "mcp/internal/sse.h"

#include <gtest/gtest.h>

namespace mandate::mcp {
namespace {

// The whole stream at once and split at every byte give the same events.
std::vector<SseEvent> parse_all(std::string_view stream) {
  SseParser parser;
  return parser.feed(stream);
}

void expect_same_when_split(std::string_view stream) {
  const auto whole = parse_all(stream);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser parser;
    auto events = parser.feed(stream.substr(0, cut));
    for (auto& e : parser.feed(stream.substr(cut))) events.push_back(std::move(e));
    ASSERT_EQ(events.size(), whole.size()) << "cut at " << cut;
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].type, whole[i].type) << "cut at " << cut;
      EXPECT_EQ(events[i].data, whole[i].data) << "cut at " << cut;
      EXPECT_EQ(events[i].last_event_id, whole[i].last_event_id) << "cut at " << cut;
    }
  }
  SseParser bytewise;
  std::vector<SseEvent> events;
  for (char c : stream) {
    for (auto& e : bytewise.feed(std::string_view(&c, 1))) events.push_back(std::move(e));
  }
  ASSERT_EQ(events.size(), whole.size()) << "byte by byte";
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].data, whole[i].data);
}

TEST(McpSse, SpecExampleStockTicker) {
  // WHATWG HTML §9.2.6: three lines of data make one event; comments count for nothing.
  const std::string stream = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n";
  const auto events = parse_all(stream);
  ASSERT_EQ(events.size(), 2u);  // the third never ends with a blank line: not dispatched
  EXPECT_EQ(events[0].data, "first event");
  EXPECT_EQ(events[0].last_event_id, "1");
  EXPECT_EQ(events[1].data, "second event");
  EXPECT_EQ(events[1].last_event_id, "");  // "id" alone resets it
  expect_same_when_split(stream);
}

TEST(McpSse, MultiLineDataAndEmptyData) {
  const std::string stream = "data: YHOO\ndata: +2\ndata: 10\n\ndata\n\ndata\ndata\n\ndata:\n";
  const auto events = parse_all(stream);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "YHOO\n+2\n10");
  EXPECT_EQ(events[1].data, "");
  EXPECT_EQ(events[2].data, "\n");
  expect_same_when_split(stream);
}

TEST(McpSse, TwoIdenticalEventsWithAndWithoutTheSpace) {
  const auto events = parse_all("data:test\n\ndata: test\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "test");
  EXPECT_EQ(events[1].data, "test");
}

TEST(McpSse, EventTypesIdsRetryAndUnknownFields) {
  using namespace std::string_literals;
  const std::string stream =
      "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\nid: 7\nretry: 3000\nfoo: bar\n\n"
      "data: plain\n\nretry: soon\nid: a\0b\nevent: x\n\n"s;
  ASSERT_NE(stream.find('\0'), std::string::npos);
  const auto events = parse_all(stream);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "add");
  EXPECT_EQ(events[1].type, "remove");
  EXPECT_EQ(events[1].last_event_id, "7");
  EXPECT_EQ(events[2].type, "message");  // the type does not carry over
  EXPECT_EQ(events[2].last_event_id, "7");  // the id does
  SseParser parser;
  parser.feed(stream);
  EXPECT_EQ(parser.retry(), std::chrono::milliseconds(3000));  // "soon" is ignored
  EXPECT_EQ(parser.last_event_id(), "7");  // an id holding NUL is ignored
  expect_same_when_split(stream);
}

TEST(McpSse, CrLfCrAndLfLineEndsAndALeadingBom) {
  const std::string stream = "\xEF\xBB\xBF" "data: a\r\ndata: b\r\n\r\ndata: c\rdata: d\r\rdata: e\n\n:comment\r\n\r\n";
  const auto events = parse_all(stream);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a\nb");
  EXPECT_EQ(events[1].data, "c\nd");
  EXPECT_EQ(events[2].data, "e");
  expect_same_when_split(stream);
}

TEST(McpSse, AnMcpMessageStream) {
  const std::string stream =
      "id: 1_abc\ndata: \n\n"  // the SDK's priming event: an id, no data
      "event: message\nid: 2_abc\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"
      "event: message\nid: 3_abc\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
  const auto events = parse_all(stream);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[2].data, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
  EXPECT_EQ(events[2].last_event_id, "3_abc");
  expect_same_when_split(stream);
}

}  // namespace
}  // namespace mandate::mcp
