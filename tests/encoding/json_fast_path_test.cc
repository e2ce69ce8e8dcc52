// parse_json_strict's fast path (simdjson) held against the strict nlohmann
// parser it stands in front of: over valid documents and their mutations,
// whatever the fast path accepts, the strict parser accepts as the same
// value (same types too, so canonical bytes and Cedar values agree), and
// what the strict parser refuses, the fast path refuses.
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "encoding/internal/json_parsers.h"
#include "encoding/json.h"

namespace mandate::encoding {
namespace {

using nlohmann::json;

// The same value, member for member, with the same number types.
bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !same(*ia, *ib)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) return std::signbit(a.get<double>()) == std::signbit(b.get<double>()) && a == b;
  return a == b;
}

void expect_agreement(const std::string& text, int max_depth = 64) {
  const auto fast = parse_json_fast(text, max_depth);
  const auto strict = parse_json_with_positions(text, max_depth);
  if (fast) {
    ASSERT_TRUE(strict.has_value()) << "the fast path accepted what the strict parser refuses (" << strict.error()
                                    << "): " << text;
    // "-0" is the one text whose integer type differs: nlohmann keeps a
    // signed 0, simdjson no sign. Both are the number 0 everywhere.
    if (text.find("-0") == std::string::npos) {
      EXPECT_TRUE(same(*fast, *strict)) << text;
    }
    EXPECT_EQ(*fast, *strict) << text;
    EXPECT_EQ(fast->dump(), strict->dump()) << text;
  }
  const auto combined = parse_json_strict(text, max_depth);
  EXPECT_EQ(combined.has_value(), strict.has_value()) << text;
  if (!strict) {
    EXPECT_EQ(combined.error(), strict.error()) << text;
  }
}

const std::vector<std::string> kSeeds = {
    R"({"subject":{"type":"user","id":"rick@the-citadel.com","properties":{"n":1}},"action":{"name":"can_read"},"resource":{"type":"todo","id":"t-1"},"context":{}})",
    R"({"evaluations":[{"subject":{"type":"u","id":"a"}},{"action":{"name":"x"}}],"options":{"evaluations_semantic":"execute_all"}})",
    R"([0, -0, 1, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615, 18446744073709551616, 1.5, -2.5e-3, 1E2, 1e400, 0.1])",
    R"(["", "a\"b\\c\/d", "\u00e9\u20ac\ud83d\ude00", "\ud800", "\udc00x", "\u0000", "tab\tin", "é€😀", "\b\f\n\r\t"])",
    R"({"a":1,"a":2})",
    R"({"a":{"b":{"c":{"d":[[[[1]]]]}}}})",
    "\xef\xbb\xbf{\"bom\":true}",
    R"(  {"ws" : [ true , false , null ] }  )",
    R"({"x":1} {"y":2})",
    R"({"k":"\x"})",
    "{\"bad utf8\":\"\xc3\x28\"}",
    "{\"overlong\":\"\xc0\xaf\"}",
    "{\"surrogate\":\"\xed\xa0\x80\"}",
    R"([1,2,])",
    R"({"a":tru})",
    R"(-)",
    R"(01)",
    R"(1.)",
    R"(.5)",
    R"("unterminated)",
};

TEST(ParseJsonFastPath, AgreesWithTheStrictParserOnTheSeeds) {
  for (const auto& seed : kSeeds) expect_agreement(seed);
}

TEST(ParseJsonFastPath, AgreesWithTheStrictParserOnMutations) {
  std::mt19937_64 rng(20261206);
  const std::string alphabet = "{}[],:\"\\ 0123456789-+.eEtrufalsn\t\n\xc3\xa9\xed\xa0\x80\xff";
  int accepted = 0;
  for (int i = 0; i < 60000; ++i) {
    std::string text = kSeeds[rng() % kSeeds.size()];
    for (auto edits = 1 + rng() % 3; edits > 0 && !text.empty(); --edits) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.erase(at, 1 + rng() % 3); break;
        default: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    expect_agreement(text);
    if (parse_json_fast(text, 64)) ++accepted;
    if (HasFailure()) return;
  }
  // Mutations keep a good share valid: the comparison is not vacuous.
  EXPECT_GT(accepted, 3000);
}

TEST(ParseJsonFastPath, NestingDepthIsTheStrictParsersLimit) {
  for (int depth = 1; depth <= 6; ++depth) {
    const std::string text = std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
    for (int limit = 1; limit <= 6; ++limit) {
      expect_agreement(text, limit);
      EXPECT_EQ(parse_json_fast(text, limit).has_value(), depth <= limit) << text << " limit " << limit;
    }
  }
}

TEST(ParseJsonFastPath, ADuplicateNameIsLeftToTheStrictParserToExplain) {
  EXPECT_FALSE(parse_json_fast(R"({"a":1,"b":{"c":1,"c":2}})", 64).has_value());
  const auto parsed = parse_json_strict(R"({"a":1,"b":{"c":1,"c":2}})");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find("duplicate member name \"c\""), std::string::npos) << parsed.error();
}

TEST(StringAtPointer, FindsAStringMemberAndNothingElse) {
  const std::string entry = R"({"refs":{"actor":"alice","task":"t-1\u00e9"},"seq":3,"type":"task.approved"})";
  EXPECT_EQ(string_at_pointer(entry, "/refs/task"), std::optional<std::string>("t-1\xc3\xa9"));
  EXPECT_EQ(string_at_pointer(entry, "/refs/actor"), std::optional<std::string>("alice"));
  EXPECT_EQ(string_at_pointer(entry, "/type"), std::optional<std::string>("task.approved"));
  EXPECT_EQ(string_at_pointer(entry, "/refs/mandate"), std::nullopt) << "absent";
  EXPECT_EQ(string_at_pointer(entry, "/seq"), std::nullopt) << "not a string";
  EXPECT_EQ(string_at_pointer(entry, "/refs"), std::nullopt) << "an object";
  EXPECT_EQ(string_at_pointer(R"(["refs"])", "/refs/task"), std::nullopt) << "not an object";
  EXPECT_EQ(string_at_pointer(R"({"refs":{"task":"t-1"})", "/refs/task"), std::nullopt) << "not JSON";
  EXPECT_EQ(string_at_pointer("", "/refs/task"), std::nullopt);
}

}  // namespace
}  // namespace mandate::encoding
