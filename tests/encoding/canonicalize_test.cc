#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "encoding/json.h"

namespace mandate::encoding {
namespace {

using nlohmann::json;

std::string canonical(const json& value) {
  auto text = canonicalize(value);
  EXPECT_TRUE(text.has_value()) << value.dump() << " -> " << (text ? "" : text.error());
  return text ? *text : std::string();
}

std::string canonical_of_text(std::string_view text) {
  auto parsed = parse_json_strict(text);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error());
  return parsed ? canonical(*parsed) : std::string();
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
struct NumberSample {
  std::uint64_t bits;
  std::string_view text;  // empty: not serializable (NaN, Infinity)
};
constexpr NumberSample kAppendixB[] = {
    {0x0000000000000000, "0"},
    {0x8000000000000000, "0"},
    {0x0000000000000001, "5e-324"},
    {0x8000000000000001, "-5e-324"},
    {0x7fefffffffffffff, "1.7976931348623157e+308"},
    {0xffefffffffffffff, "-1.7976931348623157e+308"},
    {0x4340000000000000, "9007199254740992"},
    {0xc340000000000000, "-9007199254740992"},
    {0x4430000000000000, "295147905179352830000"},
    {0x7fffffffffffffff, ""},  // NaN
    {0x7ff0000000000000, ""},  // Infinity
    {0x44b52d02c7e14af5, "9.999999999999997e+22"},
    {0x44b52d02c7e14af6, "1e+23"},
    {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
    {0x444b1ae4d6e2ef4e, "999999999999999700000"},
    {0x444b1ae4d6e2ef4f, "999999999999999900000"},
    {0x444b1ae4d6e2ef50, "1e+21"},
    {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
    {0x3eb0c6f7a0b5ed8d, "0.000001"},
    {0x41b3de4355555553, "333333333.3333332"},
    {0x41b3de4355555554, "333333333.33333325"},
    {0x41b3de4355555555, "333333333.3333333"},
    {0x41b3de4355555556, "333333333.3333334"},
    {0x41b3de4355555557, "333333333.33333343"},
    {0xbecbf647612f3696, "-0.0000033333333333333333"},
    {0x43143ff3c1cb0959, "1424953923781206.2"},
};

TEST(Canonicalize, Rfc8785AppendixBNumbers) {
  for (const auto& sample : kAppendixB) {
    const double value = std::bit_cast<double>(sample.bits);
    SCOPED_TRACE(::testing::Message() << std::hex << sample.bits);
    if (sample.text.empty()) {
      EXPECT_FALSE(canonicalize(json(value)).has_value());
      EXPECT_FALSE(canonicalize(json(-value)).has_value());
      EXPECT_FALSE(canonicalize(json::array({1, value})).has_value());
      continue;
    }
    EXPECT_EQ(format_es_number(value), sample.text);
    EXPECT_EQ(canonical(json(value)), sample.text);
    // Parsing the canonical text gives back the same double.
    const auto reparsed = parse_json_strict(sample.text);
    ASSERT_TRUE(reparsed.has_value());
    EXPECT_EQ(reparsed->get<double>(), value == 0 ? 0.0 : value);
  }
}

TEST(Canonicalize, NumberFormBoundaries) {
  EXPECT_EQ(format_es_number(1), "1");
  EXPECT_EQ(format_es_number(-1.5), "-1.5");
  EXPECT_EQ(format_es_number(100), "100");
  EXPECT_EQ(format_es_number(0.1), "0.1");
  EXPECT_EQ(format_es_number(1e20), "100000000000000000000");
  EXPECT_EQ(format_es_number(1e21), "1e+21");
  EXPECT_EQ(format_es_number(1.5e21), "1.5e+21");
  EXPECT_EQ(format_es_number(1e-6), "0.000001");
  EXPECT_EQ(format_es_number(1.5e-6), "0.0000015");
  EXPECT_EQ(format_es_number(1e-7), "1e-7");
  EXPECT_EQ(format_es_number(-1.5e-7), "-1.5e-7");
  EXPECT_EQ(format_es_number(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(format_es_number(1e300), "1e+300");
  EXPECT_EQ(format_es_number(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(format_es_number(-0.0), "0");
}

TEST(Canonicalize, RandomDoublesRoundTripThroughTheirCanonicalText) {
  std::mt19937_64 rng(8785);
  for (int i = 0; i < 20000; ++i) {
    const double value = std::bit_cast<double>(rng());
    if (!std::isfinite(value)) continue;
    const std::string text = format_es_number(value);
    const auto parsed = parse_json_strict(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    ASSERT_EQ(parsed->get<double>(), value) << text;
  }
}

TEST(Canonicalize, Rfc8785Section322Example) {
  // RFC 8785 §3.2.2 input and §3.2.3 output, verbatim.
  const std::string input =
      "{\n"
      "  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
      "              2e-3, 0.000000000000000000000000001],\n"
      "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
      "  \"literals\": [null, true, false]\n"
      "}";
  const std::string expected =
      "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
      "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
  EXPECT_EQ(canonical_of_text(input), expected);
  // The same bytes as the RFC's hex dump.
  const std::string hex =
      "7b226c6974657261"
      "6c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a"
      "5b3333333333333333332e333333333333332c31652b33302c342e352c302e30"
      "30322c31652d32375d2c22737472696e67223a22e282ac245c75303030665c6e"
      "4127425c225c5c5c5c5c222f227d";
  std::string from_hex;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    from_hex += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  EXPECT_EQ(expected, from_hex);
}

TEST(Canonicalize, Rfc8785Section323SortsByUtf16CodeUnits) {
  const std::string input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  const std::string expected =
      "{\"\\r\":\"Carriage Return\","
      "\"1\":\"One\","
      "\"\xc2\x80\":\"Control\","
      "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
      "\"\xe2\x82\xac\":\"Euro Sign\","
      "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
      "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
  EXPECT_EQ(canonical_of_text(input), expected);
}

TEST(Canonicalize, SortsRecursivelyAndKeepsArrayOrder) {
  EXPECT_EQ(canonical_of_text(R"({"b":[3,1,{"z":1,"a":2}],"a":{"y":null,"x":true},"":0,"aa":1,"a0":2})"),
            R"({"":0,"a":{"x":true,"y":null},"a0":2,"aa":1,"b":[3,1,{"a":2,"z":1}]})");
  // Code-unit order, not locale order: uppercase before lowercase.
  EXPECT_EQ(canonical(json{{"b", 1}, {"B", 2}, {"a", 3}, {"A", 4}}), R"({"A":4,"B":2,"a":3,"b":1})");
  // A supplementary character (surrogates D83D..) sorts below U+FB33 though
  // its code point is higher; by code point or UTF-8 bytes it would not.
  EXPECT_EQ(canonical(json{{"\xef\xac\xb3", 1}, {"\xf0\x9f\x98\x80", 2}}),
            "{\"\xf0\x9f\x98\x80\":2,\"\xef\xac\xb3\":1}");
  EXPECT_EQ(canonical(json{{"\xef\xbf\xbf", 1}, {"\xf0\x90\x80\x80", 2}, {"\xed\x9f\xbf", 3}}),
            "{\"\xed\x9f\xbf\":3,\"\xf0\x90\x80\x80\":2,\"\xef\xbf\xbf\":1}");
}

TEST(Canonicalize, EscapesOnlyWhatJsonRequires) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
  EXPECT_EQ(canonical(json(all_controls)),
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d"
            "\\u001e\\u001f\"");
  EXPECT_EQ(canonical(json("\x1f")), "\"\\u001f\"");
  EXPECT_EQ(canonical(json("a\"b\\c")), "\"a\\\"b\\\\c\"");
  // '/', DEL, non-ASCII and U+2028 stay as they are.
  EXPECT_EQ(canonical(json("/\x7f\xc3\xa9\xe2\x80\xa8")), "\"/\x7f\xc3\xa9\xe2\x80\xa8\"");
  // Escapes in member names too.
  EXPECT_EQ(canonical(json{{"\n", 1}}), "{\"\\n\":1}");
  EXPECT_EQ(canonical_of_text(R"(["\u0041\u00e9\/\u001F"])"), "[\"A\xc3\xa9/\\u001f\"]");
}

TEST(Canonicalize, Literals) {
  EXPECT_EQ(canonical(json(nullptr)), "null");
  EXPECT_EQ(canonical(json(true)), "true");
  EXPECT_EQ(canonical(json(false)), "false");
  EXPECT_EQ(canonical(json::array()), "[]");
  EXPECT_EQ(canonical(json::object()), "{}");
  EXPECT_EQ(canonical(json("")), "\"\"");
  EXPECT_EQ(canonical_of_text(" [ 1.0 , -0 , 0.0 , -0.0 , 1E2 , 10.50 ] "), "[1,0,0,0,100,10.5]");
}

TEST(Canonicalize, IntegersMustBeExactDoubles) {
  constexpr std::uint64_t k2p53 = std::uint64_t{1} << 53;
  EXPECT_EQ(canonical(json(k2p53)), "9007199254740992");
  EXPECT_EQ(canonical(json(-static_cast<std::int64_t>(k2p53))), "-9007199254740992");
  EXPECT_EQ(canonical(json(k2p53 - 1)), "9007199254740991");
  EXPECT_EQ(canonical(json(std::int64_t{-42})), "-42");
  EXPECT_EQ(canonical(json(std::uint64_t{42})), "42");

  EXPECT_FALSE(canonicalize(json(k2p53 + 1)).has_value());
  EXPECT_FALSE(canonicalize(json(static_cast<std::int64_t>(k2p53 + 1))).has_value());
  EXPECT_FALSE(canonicalize(json(-static_cast<std::int64_t>(k2p53 + 1))).has_value());
  EXPECT_FALSE(canonicalize(json(std::numeric_limits<std::uint64_t>::max())).has_value());
  EXPECT_FALSE(canonicalize(json(std::numeric_limits<std::int64_t>::max())).has_value());
  EXPECT_FALSE(canonicalize(json{{"nested", json::array({1, k2p53 + 1})}}).has_value());
  // Through the parser as well.
  const auto parsed = parse_json_strict("{\"id\": 9007199254740993}");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(canonicalize(*parsed).has_value());
}

TEST(Canonicalize, CanonicalTextOfAnIntegerNamesThatInteger) {
  // 2^60 is an exact double, but its ECMAScript form 1152921504606847000
  // names a different integer; accepting it would store a value other than
  // the one given, and the stored text would not canonicalize again.
  const std::uint64_t big = std::uint64_t{1} << 60;
  const auto text = canonicalize(json(big));
  if (text) {
    const auto reparsed = parse_json_strict(*text);
    ASSERT_TRUE(reparsed.has_value());
    EXPECT_EQ(canonicalize(*reparsed), text) << *text;
  }
  EXPECT_FALSE(text.has_value()) << "2^60 would be stored as another number's text";
  // Its ECMAScript text names the same double, so that text is kept as is
  // and canonicalizes to itself after any number of round trips.
  EXPECT_EQ(canonical(json(std::uint64_t{1152921504606847000})), "1152921504606847000");
  EXPECT_EQ(canonical(parse_json_strict("90071992547409900").value()), "90071992547409900");
  EXPECT_FALSE(canonicalize(json(std::uint64_t{9007199254740993})).has_value());
  // Exact doubles above 2^53 whose shortest form is their full decimal stay.
  EXPECT_EQ(canonical(json(std::uint64_t{9007199254740994})), "9007199254740994");
}

TEST(Canonicalize, RejectsNonFiniteNumbers) {
  EXPECT_FALSE(canonicalize(json(std::numeric_limits<double>::quiet_NaN())).has_value());
  EXPECT_FALSE(canonicalize(json(std::numeric_limits<double>::infinity())).has_value());
  EXPECT_FALSE(canonicalize(json(-std::numeric_limits<double>::infinity())).has_value());
  EXPECT_FALSE(canonicalize(json{{"a", {1, std::numeric_limits<double>::quiet_NaN()}}}).has_value());
}

TEST(Canonicalize, RejectsInvalidUtf8) {
  for (const std::string_view bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "a\xe2\x82",
                                     "\xf8\x88\x80\x80\x80"}) {
    EXPECT_FALSE(canonicalize(json(std::string(bad))).has_value());
    EXPECT_FALSE(canonicalize(json{{std::string(bad), 1}}).has_value());
    EXPECT_FALSE(canonicalize(json::array({"ok", std::string(bad)})).has_value());
  }
  // Boundary code points that are valid.
  EXPECT_TRUE(canonicalize(json("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"))
                  .has_value());
}

TEST(Canonicalize, IsIdempotentThroughTheStrictParser) {
  const std::string inputs[] = {
      R"({"z":[1,2.5,-3e-9,{"b":"\u00e9","a":null}],"y":{"\ud83d\ude00":true,"\ufb33":false},"x":"\u001f\n"})",
      R"([1e21,1e-7,123456789,0.1,-0,9007199254740991,-9007199254740991])",
      R"({"deep":[[[[{"k":"v"}]]]],"empty":{},"list":[]})",
  };
  for (const auto& input : inputs) {
    const std::string once = canonical_of_text(input);
    EXPECT_EQ(canonical_of_text(once), once);
  }
}

}  // namespace
}  // namespace mandate::encoding
