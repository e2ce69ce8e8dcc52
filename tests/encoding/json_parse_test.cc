#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "encoding/json.h"

namespace mandate::encoding {
namespace {

using nlohmann::json;
// Substring checks through gtest alone (no gmock in the link line).
#define EXPECT_CONTAINS(haystack, needle) EXPECT_PRED_FORMAT2(::testing::IsSubstring, needle, haystack)

json parse_ok(std::string_view text) {
  auto parsed = parse_json_strict(text);
  EXPECT_TRUE(parsed.has_value()) << text << " -> " << (parsed ? "" : parsed.error());
  return parsed ? *parsed : json();
}

std::string parse_error(std::string_view text, int max_depth = 64) {
  auto parsed = parse_json_strict(text, max_depth);
  EXPECT_FALSE(parsed.has_value()) << "accepted: " << text;
  return parsed ? std::string() : parsed.error();
}

TEST(ParseJsonStrict, AcceptsEveryKindOfValue) {
  EXPECT_EQ(parse_ok("null"), json(nullptr));
  EXPECT_EQ(parse_ok("true"), json(true));
  EXPECT_EQ(parse_ok(" false "), json(false));
  EXPECT_EQ(parse_ok("0"), json(0));
  EXPECT_EQ(parse_ok("-12"), json(-12));
  EXPECT_EQ(parse_ok("18446744073709551615"), json(18446744073709551615ull));
  EXPECT_EQ(parse_ok("1.5e3"), json(1500.0));
  EXPECT_EQ(parse_ok(R"("text")"), json("text"));
  EXPECT_EQ(parse_ok("[]"), json::array());
  EXPECT_EQ(parse_ok("{}"), json::object());
  const json doc = parse_ok(R"( { "a" : [1, 2, {"b": null}], "c": {"d": "e", "f": [true, false]}, "g": -0.25 } )");
  EXPECT_EQ(doc, json::parse(R"({"a":[1,2,{"b":null}],"c":{"d":"e","f":[true,false]},"g":-0.25})"));
  // Same member name at different places is fine.
  EXPECT_EQ(parse_ok(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})")["b"][1]["a"], json(2));
}

TEST(ParseJsonStrict, DecodesEscapesAndUtf8) {
  EXPECT_EQ(parse_ok(R"("\u00e9\u20ac\ud83d\ude00")").get<std::string>(), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_EQ(parse_ok("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"").get<std::string>(),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_EQ(parse_ok(R"("\"\\\/\b\f\n\r\t\u0000")").get<std::string>(), std::string("\"\\/\b\f\n\r\t\0", 9));
}

TEST(ParseJsonStrict, RejectsDuplicateMemberNames) {
  EXPECT_CONTAINS(parse_error(R"({"a":1,"a":2})"), "duplicate member name");
  EXPECT_CONTAINS(parse_error(R"({"a":1,"b":2,"a":1})"), "\"a\"");
  // Nested, and inside arrays.
  EXPECT_CONTAINS(parse_error(R"({"x":{"y":1,"y":1}})"), "duplicate member name");
  EXPECT_CONTAINS(parse_error(R"([1,{"k":[{"z":0,"z":0}]}])"), "duplicate member name");
  // Names are compared after unescaping.
  EXPECT_CONTAINS(parse_error(R"({"a":1,"\u0061":2})"), "duplicate member name");
  // Duplicates even when the first value is a container.
  EXPECT_CONTAINS(parse_error(R"({"a":{},"a":[]})"), "duplicate member name");
}

TEST(ParseJsonStrict, RejectsInvalidUtf8) {
  for (const std::string_view bad : {
           "\"\xff\"",                  // never valid
           "\"\xc3\"",                  // truncated two-byte sequence
           "\"\xe2\x82\"",              // truncated three-byte sequence
           "\"\xc0\xaf\"",              // overlong '/'
           "\"\xe0\x80\xaf\"",          // overlong '/'
           "\"\xed\xa0\x80\"",          // UTF-8 encoded surrogate U+D800
           "\"\xf4\x90\x80\x80\"",      // above U+10FFFF
           "\"\x80\"",                  // lone continuation byte
           "{\"\xfe\":1}",              // in a member name
           "[\"ok\", \"\xe2\x28\xa1\"]",  // bad continuation
       }) {
    parse_error(bad);
  }
}

TEST(ParseJsonStrict, RejectsLoneSurrogateEscapes) {
  for (const std::string_view bad : {
           R"("\ud800")", R"("\udbff")", R"("\udc00")", R"("\udfff")", R"("x\ud83dy")", R"("\ud83d\u0041")",
           R"("\ude00\ud83d")", R"({"\ud800":1})",
       }) {
    parse_error(bad);
  }
}

TEST(ParseJsonStrict, LimitsNesting) {
  auto nested = [](int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); };
  EXPECT_TRUE(parse_json_strict(nested(64)).has_value());
  EXPECT_CONTAINS(parse_error(nested(65)), "nesting");
  EXPECT_TRUE(parse_json_strict(nested(3), 3).has_value());
  EXPECT_FALSE(parse_json_strict(nested(4), 3).has_value());
  EXPECT_TRUE(parse_json_strict(R"({"a":{"b":[1]}})", 3).has_value());
  EXPECT_FALSE(parse_json_strict(R"({"a":{"b":[{}]}})", 3).has_value());
  // Scalars have no depth.
  EXPECT_TRUE(parse_json_strict("1", 0).has_value());
  EXPECT_FALSE(parse_json_strict("[]", 0).has_value());
  // Far too deep input fails cleanly rather than exhausting the stack.
  EXPECT_FALSE(parse_json_strict(std::string(1'000'000, '[')).has_value());
}

TEST(ParseJsonStrict, RejectsMalformedText) {
  for (const std::string_view bad : {
           "", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "[01]", "[1.]", "[.5]", "[+1]", "[NaN]",
           "[Infinity]", "[1e400]", "\"\t\"", "\"a\nb\"", "[\"\\x41\"]", "tru", "nul", "/*c*/1", "1 // c",
       }) {
    parse_error(bad);
  }
}

TEST(ParseJsonStrict, RejectsTrailingGarbage) {
  for (const std::string_view bad : std::initializer_list<std::string_view>{"{} {}", "1 2", "[] x", "{\"a\":1}}", "null,", "\"a\"\"b\"", std::string_view("[]\0", 3)}) {
    EXPECT_CONTAINS(parse_error(bad), "line 1, column") << bad;
  }
  EXPECT_TRUE(parse_json_strict("{}\n \t\r\n").has_value());
}

TEST(ParseJsonStrict, RejectsNulBytes) {
  // nlohmann's lexer stops at a NUL byte as at the end of input; whatever
  // follows it must not be silently ignored.
  for (const std::string_view bad : std::initializer_list<std::string_view>{
           std::string_view("{}\0{\"a\":1}", 10), std::string_view("[1]\0", 4), std::string_view("\0", 1),
           std::string_view("[\"a\0b\"]", 7), std::string_view("{\"a\":1}\n\0garbage", 16)}) {
    const std::string error = parse_error(bad);
    EXPECT_CONTAINS(error, "line ");
  }
  EXPECT_CONTAINS(parse_error(std::string_view("[1,\n2]\0x", 8)), "line 2, column 3");
}

TEST(ParseJsonStrict, SyntaxErrorsNameLineAndColumn) {
  const std::string error = parse_error("{\n  \"a\": 1,\n  \"b\": tru }");
  EXPECT_CONTAINS(error, "line 3, column 11");
  EXPECT_EQ(error.find("[json.exception"), std::string::npos) << error;
  EXPECT_CONTAINS(parse_error("[1,\n2,\n]"), "line 3, column 1");
  EXPECT_CONTAINS(parse_error("\"\xff\""), "line 1, column");
  // Number overflow is reported by nlohmann without a position of its own.
  const std::string overflow = parse_error("[1,\n 1e400]");
  EXPECT_CONTAINS(overflow, "line 2, column");
  EXPECT_CONTAINS(overflow, "1e400");
  EXPECT_EQ(overflow.find("[json.exception"), std::string::npos) << overflow;
}

TEST(ParseJsonStrict, StructuralErrorsNameLineAndColumn) {
  // The header promises line, column and reason for every rejection, not
  // only for the ones nlohmann's lexer finds.
  const std::string dup = parse_error("{\n  \"a\": 1,\n  \"a\": 2\n}");
  EXPECT_CONTAINS(dup, "line 3, column 5");
  EXPECT_CONTAINS(dup, "duplicate member name \"a\"");

  const std::string deep = parse_error("[\n [\n  [\n   [1]]]]", 3);
  EXPECT_CONTAINS(deep, "line 4, column 4");
  EXPECT_CONTAINS(deep, "nesting deeper than 3 levels");

  EXPECT_CONTAINS(parse_error(R"({"x":{"y":1,"y":1}})"), "line 1, column 15");
}

}  // namespace
}  // namespace mandate::encoding

namespace mandate::encoding {
namespace {

TEST(ValidUtf8, AcceptsWellFormedAndRejectsIllFormedSequences) {
  for (const std::string_view good : std::initializer_list<std::string_view>{
           "", "ascii", std::string_view("\0", 1), "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
           "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "caf\xc3\xa9 \xf0\x9f\x98\x80"}) {
    EXPECT_TRUE(valid_utf8(good)) << good;
  }
  for (const std::string_view bad : std::initializer_list<std::string_view>{
           "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf",  // stray / overlong
           "\xed\xa0\x80", "\xed\xbf\xbf",                                                // surrogates
           "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",  // out of range
           "\xc3", "\xe2\x82", "\xf0\x9f\x98", "a\xc3", "\xc3(", "\xe2\x28\xa1"}) {       // truncated / broken
    EXPECT_FALSE(valid_utf8(bad)) << ::testing::PrintToString(std::string(bad));
  }
}

}  // namespace
}  // namespace mandate::encoding
