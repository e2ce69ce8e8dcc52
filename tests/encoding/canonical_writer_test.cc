#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "encoding/canonical_writer.h"
#include "encoding/json.h"

namespace mandate::encoding {
namespace {

using nlohmann::json;

// Writes `value` through the writer, members in the order RFC 8785 sorts
// them (found here by sorting, independently of the writer's own check).
void write(CanonicalWriter& w, const json& value) {
  if (value.is_object()) {
    std::vector<std::string> names;
    for (const auto& [name, _] : value.items()) names.push_back(name);
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return canonical_name_order(a, b); });
    w.begin_object();
    for (const auto& name : names) {
      w.key(name);
      write(w, value.at(name));
    }
    w.end_object();
  } else if (value.is_array()) {
    w.begin_array();
    for (const auto& item : value) write(w, item);
    w.end_array();
  } else if (value.is_string()) {
    w.string(value.get_ref<const std::string&>());
  } else if (value.is_boolean()) {
    w.boolean(value.get<bool>());
  } else {
    w.value(value);
  }
}

std::string written(const json& value) {
  CanonicalWriter w;
  write(w, value);
  auto text = std::move(w).take();
  EXPECT_TRUE(text.has_value()) << (text ? "" : text.error());
  return text ? *text : "";
}

std::string random_text(std::mt19937_64& rng) {
  static const std::vector<std::string> pieces{"a", "b", "Z", "_", "\"", "\\", "\n", "\x01", "\x7f", "é",
                                               "\xe2\x82\xac", "\xee\x80\x80", "\xef\xbf\xbd", "\xf0\x9f\x98\x80", ""};
  std::string out;
  for (auto n = rng() % 4; n > 0; --n) out += pieces[rng() % pieces.size()];
  return out;
}

json random_value(std::mt19937_64& rng, int depth) {
  switch (depth <= 0 ? rng() % 5 : rng() % 7) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<std::int64_t>(rng() % 2000001) - 1000000;
    case 3: return std::ldexp(static_cast<double>(rng() % 1000003), static_cast<int>(rng() % 80) - 40);
    case 4: return random_text(rng);
    case 5: {
      json a = json::array();
      for (auto n = rng() % 4; n > 0; --n) a.push_back(random_value(rng, depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      for (auto n = rng() % 5; n > 0; --n) o[random_text(rng)] = random_value(rng, depth - 1);
      return o;
    }
  }
}

TEST(CanonicalWriter, WritesWhatCanonicalizeWrites) {
  std::mt19937_64 rng(20261206);
  for (int i = 0; i < 5000; ++i) {
    const json value = random_value(rng, 4);
    EXPECT_EQ(written(value), *canonicalize(value)) << value.dump();
  }
}

TEST(CanonicalWriter, NamesMustComeInUtf16Order) {
  // U+10000 is D800 DC00 in UTF-16, before U+E000, though after it in UTF-8.
  const std::string supplementary = "\xf0\x90\x80\x80", private_use = "\xee\x80\x80";
  CanonicalWriter in_order;
  in_order.begin_object().key(supplementary).boolean(true).key(private_use).boolean(false).end_object();
  EXPECT_TRUE(std::move(in_order).take().has_value());

  CanonicalWriter reversed;
  reversed.begin_object().key(private_use).boolean(true).key(supplementary).boolean(false).end_object();
  EXPECT_FALSE(std::move(reversed).take().has_value());

  CanonicalWriter repeated;
  repeated.begin_object().key("a").boolean(true).key("a").boolean(false).end_object();
  auto text = std::move(repeated).take();
  ASSERT_FALSE(text.has_value());
  EXPECT_NE(text.error().find("does not follow"), std::string::npos) << text.error();
}

TEST(CanonicalWriter, RefusesWhatIsNotOneCompleteValue) {
  const auto error_of = [](auto build) {
    CanonicalWriter w;
    build(w);
    auto text = std::move(w).take();
    return text ? std::string() : text.error();
  };
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.begin_object().key("a"); }), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.begin_object().boolean(true).end_object(); }), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.begin_array().end_object(); }), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.boolean(true).boolean(false); }), "");
  EXPECT_NE(error_of([](CanonicalWriter&) {}), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.begin_array().string("\xc3\x28").end_array(); }), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.begin_object().key("\xff").boolean(true).end_object(); }), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.value(json(std::nan(""))); }), "");
  EXPECT_EQ(error_of([](CanonicalWriter& w) { w.begin_array().strings({"x", "y"}).end_array(); }), "");
  EXPECT_NE(error_of([](CanonicalWriter& w) { w.integer((std::uint64_t{1} << 53) + 1); }), "");
}

TEST(CanonicalWriter, IntegersAreWrittenAsCanonicalizeWritesThem) {
  for (const std::uint64_t n : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1234567890123}, std::uint64_t{1} << 53}) {
    CanonicalWriter w;
    w.begin_array().integer(n).end_array();
    EXPECT_EQ(*std::move(w).take(), *canonicalize(json::array({n})));
  }
}

}  // namespace
}  // namespace mandate::encoding
