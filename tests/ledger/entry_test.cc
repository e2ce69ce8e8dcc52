#include "ledger/entry.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "encoding/json.h"

namespace mandate::ledger {
namespace {

using nlohmann::json;
using namespace std::chrono;

constexpr std::string_view kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

system_clock::time_point fixed_time() {
  return sys_days{year{2024} / 2 / 29} + hours{13} + minutes{14} + seconds{15} + microseconds{123456};
}

EntryDraft sample_draft() {
  EntryDraft d;
  d.type = "task.requested";
  d.actor = {"alice@example.com", "human", ""};
  d.refs = {{"task", "tsk_01"}, {"mandate", "mdt_7"}};
  d.data = json{{"intent", "deploy \xe2\x82\xac service"}, {"duration_s", 900}, {"scope", {{"b", 1}, {"a", 2.5}}},
                {"list", {3, 1, 2}}};
  d.traceparent = std::string(kTraceparent);
  d.time = fixed_time();
  return d;
}

// The entry as a JSON object, built independently of encode_entry.
json as_object(const EntryDraft& d, std::uint64_t index) {
  json refs = json::object();
  for (const auto& [k, v] : d.refs) refs[k] = v;
  json o = {{"actor", {{"id", d.actor.id}, {"kind", d.actor.kind}}},
            {"data", d.data},
            {"index", index},
            {"refs", refs},
            {"time", format_rfc3339(d.time)},
            {"type", d.type}};
  if (d.traceparent) o["traceparent"] = *d.traceparent;
  return o;
}

std::string bytes_of(const EntryDraft& d, std::uint64_t index) {
  const auto e = encode_entry(d);
  EXPECT_TRUE(e.has_value()) << (e ? "" : e.error());
  return e ? e->bytes(index) : std::string();
}

TEST(Entry, BytesAreTheCanonicalFormOfTheEntryObject) {
  EntryDraft d = sample_draft();
  for (const std::uint64_t index : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{42}, std::uint64_t{1} << 40,
                                    (std::uint64_t{1} << 53) - 1}) {
    const std::string bytes = bytes_of(d, index);
    // Parsing the bytes and canonicalizing again gives the same bytes.
    const auto reparsed = encoding::canonicalize(json::parse(bytes));
    ASSERT_TRUE(reparsed.has_value()) << reparsed.error();
    EXPECT_EQ(*reparsed, bytes);
    // And they are the canonical form of the object with "index" inserted.
    const auto expected = encoding::canonicalize(as_object(d, index));
    ASSERT_TRUE(expected.has_value()) << expected.error();
    EXPECT_EQ(bytes, *expected);
  }
  const auto e = encode_entry(d);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type(), "task.requested");
  EXPECT_EQ(e->bytes(3),
            "{\"actor\":{\"id\":\"alice@example.com\",\"kind\":\"human\"},"
            "\"data\":{\"duration_s\":900,\"intent\":\"deploy \xe2\x82\xac service\",\"list\":[3,1,2],"
            "\"scope\":{\"a\":2.5,\"b\":1}},"
            "\"index\":3,\"refs\":{\"mandate\":\"mdt_7\",\"task\":\"tsk_01\"},"
            "\"time\":\"2024-02-29T13:14:15.123456Z\","
            "\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\","
            "\"type\":\"task.requested\"}");
}

TEST(Entry, OptionalPartsAndEscaping) {
  EntryDraft d;
  d.type = "operator.record";
  d.actor = {"svc \"quoted\" \\ \xc3\xa9", "system", ""};
  d.time = system_clock::time_point{};
  const std::string bytes = bytes_of(d, 0);
  EXPECT_EQ(bytes,
            "{\"actor\":{\"id\":\"svc \\\"quoted\\\" \\\\ \xc3\xa9\",\"kind\":\"system\"},\"data\":{},\"index\":0,"
            "\"refs\":{},\"time\":\"1970-01-01T00:00:00.000000Z\",\"type\":\"operator.record\"}");
  EXPECT_EQ(encoding::canonicalize(json::parse(bytes)).value(), bytes);
  EXPECT_EQ(encoding::canonicalize(as_object(d, 0)).value(), bytes);
  // Data need not be an object.
  d.data = json::array({1, "two", nullptr});
  EXPECT_EQ(encoding::canonicalize(as_object(d, 9)).value(), bytes_of(d, 9));
  d.data = "just text";
  EXPECT_EQ(encoding::canonicalize(as_object(d, 9)).value(), bytes_of(d, 9));
}

TEST(Entry, RandomDraftsMatchTheirCanonicalObject) {
  std::mt19937_64 rng(1234);
  const char* kinds[] = {"human", "workload", "agent", "system"};
  for (int i = 0; i < 200; ++i) {
    EntryDraft d;
    d.type = "t" + std::to_string(rng() % 1000) + ".x";
    d.actor = {"actor-" + std::to_string(rng()), kinds[rng() % 4], ""};
    for (int r = 0; r < static_cast<int>(rng() % 4); ++r) d.refs["ref_" + std::to_string(rng() % 10)] = "v" + std::to_string(rng());
    d.data = json::object();
    for (int k = 0; k < static_cast<int>(rng() % 6); ++k) {
      std::string key;
      for (int c = 0; c < 1 + static_cast<int>(rng() % 4); ++c) {
        const char* pieces[] = {"a", "Z", "\xc3\xb6", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xac\xb3", "1", "\n"};
        key += pieces[rng() % 8];
      }
      d.data[key] = (rng() % 2) ? json(static_cast<std::int64_t>(rng() % 2000000) - 1000000)
                                : json(static_cast<double>(rng() % 1000000) / 1024.0);
    }
    if (rng() % 2) d.traceparent = std::string(kTraceparent);
    d.time = system_clock::time_point{microseconds{static_cast<std::int64_t>(rng() % 4'000'000'000'000'000)}};
    const std::uint64_t index = rng() % 1'000'000'000;
    const std::string bytes = bytes_of(d, index);
    EXPECT_EQ(encoding::canonicalize(json::parse(bytes)).value(), bytes);
    EXPECT_EQ(encoding::canonicalize(as_object(d, index)).value(), bytes);
    EXPECT_EQ(entry_index(bytes), index);
  }
}

TEST(EntryIndex, FindsTheTopLevelIndex) {
  EntryDraft d = sample_draft();
  for (const std::uint64_t index : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{123456789},
                                    std::numeric_limits<std::uint64_t>::max()}) {
    EXPECT_EQ(entry_index(bytes_of(d, index)), index);
  }
}

TEST(EntryIndex, IgnoresLookalikesInsideData) {
  EntryDraft d = sample_draft();
  // Nested objects with a member before "index" put `,"index":N,"refs":{`
  // in the text, as the top level does.
  d.data = json::parse(R"({
    "a": {"index": 5, "refs": {}},
    "b": [{"a": 0, "index": 6, "refs": {"x": "y"}}, {"z": {"b": 1, "index": 8, "refs": {}}}],
    "c": ",\"index\":9,\"refs\":{",
    "d": {"actor": {}, "data": {}, "index": 10, "refs": {}, "time": "t", "type": "x"},
    "index": 11,
    "refs": {"a": 1, "index": 12, "refs": {}},
    "zz": {"aa": [], "index": 13, "refs": {"q": {"a": 1, "index": 14, "refs": {}}}}
  })");
  d.refs["index"] = "15";  // a reference may be called "index"; its value is a string
  d.actor.id = ",\"index\":16,\"refs\":{";
  for (const std::uint64_t index : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{99}}) {
    const std::string bytes = bytes_of(d, index);
    for (const int lookalike : {6, 8, 10, 12, 13, 14}) {
      ASSERT_NE(bytes.find(",\"index\":" + std::to_string(lookalike) + ",\"refs\":{"), std::string::npos) << bytes;
    }
    EXPECT_EQ(entry_index(bytes), index) << bytes;
  }
}

TEST(EntryIndex, RejectsTextWithoutAnIndex) {
  EXPECT_EQ(entry_index(""), std::nullopt);
  EXPECT_EQ(entry_index("{}"), std::nullopt);
  EXPECT_EQ(entry_index("{\"index\":5,\"refs\":{}}"), std::nullopt);  // no comma before
  EXPECT_EQ(entry_index(",\"index\":,\"refs\":{"), std::nullopt);
  EXPECT_EQ(entry_index(",\"index\":-1,\"refs\":{"), std::nullopt);
  EXPECT_EQ(entry_index(",\"index\":\"5\",\"refs\":{"), std::nullopt);
  EXPECT_EQ(entry_index(",\"index\":5,\"refs\":[]"), std::nullopt);
  EXPECT_EQ(entry_index(",\"index\":5"), std::nullopt);
  EXPECT_EQ(entry_index(",\"index\":99999999999999999999,\"refs\":{"), std::nullopt);  // overflows
  EXPECT_EQ(entry_index(",\"index\":5,\"refs\":{"), 5u);
}

TEST(EntryValidation, Types) {
  for (const std::string_view good : {"a", "task.requested", "operator.record", "a-b_c.d9", "x1"}) {
    EXPECT_TRUE(valid_entry_type(good)) << good;
  }
  EXPECT_TRUE(valid_entry_type(std::string(64, 'a')));
  for (const std::string_view bad : {"", "Task", "1task", ".task", "_t", "task requested", "task/requested",
                                     "task\"x", "t\xc3\xa9", "t\n", "t:x"}) {
    EXPECT_FALSE(valid_entry_type(bad)) << bad;
    EntryDraft d = sample_draft();
    d.type = std::string(bad);
    EXPECT_FALSE(encode_entry(d).has_value()) << bad;
  }
  EXPECT_FALSE(valid_entry_type(std::string(65, 'a')));
}

TEST(EntryValidation, ActorKindsAndIds) {
  for (const char* kind : {"human", "workload", "agent", "system"}) {
    EntryDraft d = sample_draft();
    d.actor.kind = kind;
    EXPECT_TRUE(encode_entry(d).has_value()) << kind;
  }
  for (const char* kind : {"", "Human", "robot", "humans", " human"}) {
    EntryDraft d = sample_draft();
    d.actor.kind = kind;
    EXPECT_FALSE(encode_entry(d).has_value()) << kind;
  }
  EntryDraft d = sample_draft();
  d.actor.id = std::string(512, 'x');
  EXPECT_TRUE(encode_entry(d).has_value());
  for (const std::string& id : std::initializer_list<std::string>{std::string(""), std::string(513, 'x'), std::string("a\nb"), std::string("a\x7f"),
                               std::string("a\0b", 3), std::string("bad \xff utf8")}) {
    d.actor.id = id;
    EXPECT_FALSE(encode_entry(d).has_value()) << id;
  }
}

TEST(EntryValidation, RefNamesAndIds) {
  for (const std::string& name : std::initializer_list<std::string>{"task", "mandate", "approval_rule", "a1", std::string(64, 'r')}) {
    EntryDraft d = sample_draft();
    d.refs = {{name, "id"}};
    EXPECT_TRUE(encode_entry(d).has_value()) << name;
  }
  for (const std::string& name : std::initializer_list<std::string>{std::string(""), std::string("Task"), std::string("1a"), std::string("a-b"),
                                 std::string("a.b"), std::string("_a"), std::string("a b"), std::string(65, 'r')}) {
    EntryDraft d = sample_draft();
    d.refs = {{name, "id"}};
    EXPECT_FALSE(encode_entry(d).has_value()) << name;
  }
  for (const std::string& id : std::initializer_list<std::string>{std::string(""), std::string("a\tb"), std::string("\x7f"), std::string("x\xc3")}) {
    EntryDraft d = sample_draft();
    d.refs = {{"task", id}};
    EXPECT_FALSE(encode_entry(d).has_value()) << id;
  }
}

TEST(EntryValidation, Traceparent) {
  EXPECT_TRUE(valid_traceparent(kTraceparent));
  EXPECT_TRUE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  EXPECT_TRUE(valid_traceparent("00-00000000000000000000000000000001-0000000000000001-ff"));
  for (const std::string_view bad : {
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0G",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // only version 00
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   // short trace id
           "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01", // long trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7.01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n",
           "",
       }) {
    EXPECT_FALSE(valid_traceparent(bad)) << bad;
    EntryDraft d = sample_draft();
    d.traceparent = std::string(bad);
    EXPECT_FALSE(encode_entry(d).has_value()) << bad;
  }
  EntryDraft d = sample_draft();
  d.traceparent.reset();
  const std::string bytes = bytes_of(d, 1);
  EXPECT_EQ(bytes.find("traceparent"), std::string::npos);
  EXPECT_EQ(encoding::canonicalize(as_object(d, 1)).value(), bytes);
}

TEST(EntryValidation, DataMustCanonicalize) {
  for (const json& bad : {json(std::numeric_limits<double>::quiet_NaN()), json{{"n", (std::uint64_t{1} << 53) + 1}},
                          json{{"s", "\xff"}}, json{{"\xc3", 1}}, json::array({std::numeric_limits<double>::infinity()})}) {
    EntryDraft d = sample_draft();
    d.data = bad;
    const auto e = encode_entry(d);
    ASSERT_FALSE(e.has_value());
    EXPECT_NE(e.error().find("data"), std::string::npos) << e.error();
  }
}

TEST(EntryTime, Rfc3339WithMicroseconds) {
  EXPECT_EQ(format_rfc3339(fixed_time()), "2024-02-29T13:14:15.123456Z");
  EXPECT_EQ(format_rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(sys_days{year{1999} / 12 / 31} + hours{23} + minutes{59} + seconds{59} + microseconds{999999}),
            "1999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(sys_days{year{2100} / 3 / 1} + seconds{1}), "2100-03-01T00:00:01.000000Z");
  // Sub-microsecond parts are dropped, not rounded up.
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} + nanoseconds{1999}), "1970-01-01T00:00:00.000001Z");
  // Before 1970 the fraction still counts forward within its second, and a
  // truncated time never lands after the real one.
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} - microseconds{1}), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} - seconds{1} - microseconds{500000}),
            "1969-12-31T23:59:58.500000Z");
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} - nanoseconds{1}), "1969-12-31T23:59:59.999999Z");
}

// The C library's gmtime_r and printf, on times spread over all the clock
// holds (1677 to 2262) and on the day boundaries around leap days and centuries.
TEST(EntryTime, Rfc3339AgreesWithTheCLibrary) {
  const auto libc = [](std::int64_t micros) {
    std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    long fraction = static_cast<long>(micros % 1000000);
    if (fraction < 0) {
      fraction += 1000000;
      --seconds;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, fraction);
    return std::string(buf);
  };
  const auto first = duration_cast<microseconds>(system_clock::time_point::min().time_since_epoch()).count() + 1;
  const auto last = duration_cast<microseconds>(system_clock::time_point::max().time_since_epoch()).count() - 1;
  std::mt19937_64 random(20261206);
  std::uniform_int_distribution<std::int64_t> any(first, last);
  std::vector<std::int64_t> times{first, last, 0, -1, 1};
  for (int i = 0; i < 200'000; ++i) times.push_back(any(random));
  for (const int y : {1700, 1900, 1970, 2000, 2024, 2100, 2200}) {
    for (const auto d : {sys_days{year{y} / 2 / 28}, sys_days{year{y} / 3 / 1}, sys_days{year{y} / 12 / 31}}) {
      const auto at = duration_cast<microseconds>(d.time_since_epoch()).count();
      for (const std::int64_t delta : {-1LL, 0LL, 1LL, 86'399'999'999LL}) times.push_back(at + delta);
    }
  }
  for (const std::int64_t t : times) {
    ASSERT_EQ(format_rfc3339(system_clock::time_point{microseconds{t}}), libc(t)) << t;
  }
}

}  // namespace
}  // namespace mandate::ledger
