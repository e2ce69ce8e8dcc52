// core::Scope <-> RFC 9396 authorization_details JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "token/internal/authorization_details.h"

namespace mandate::token {
namespace {

using Json = nlohmann::json;

TEST(AuthorizationDetails, RoundTripKeepsTypeSpecificMembers) {
  const std::string text =
      R"([{"type":"payment_initiation","actions":["initiate"],"locations":["https://bank.example.com"],
           "instructedAmount":{"currency":"EUR","amount":"123.50"},"creditorName":"Merchant A"},
          {"type":"deployment","resources":["https://k8s.example.com/ns/shop"]}])";
  auto scope = scope_from_json_text(text);
  ASSERT_TRUE(scope.has_value()) << scope.error();
  ASSERT_EQ(scope->size(), 2u);
  EXPECT_EQ((*scope)[0].type, "payment_initiation");
  EXPECT_EQ((*scope)[0].actions, std::vector<std::string>{"initiate"});
  EXPECT_EQ((*scope)[0].locations, std::vector<std::string>{"https://bank.example.com"});
  EXPECT_TRUE((*scope)[0].resources.empty());
  EXPECT_EQ((*scope)[0].extra, R"({"creditorName":"Merchant A","instructedAmount":{"amount":"123.50","currency":"EUR"}})");
  EXPECT_EQ((*scope)[1].extra, "");
  auto json = scope_to_json(*scope);
  ASSERT_TRUE(json.has_value()) << json.error();
  EXPECT_EQ(*json, Json::parse(text));
}

TEST(AuthorizationDetails, EmptyListsAreWrittenAsAbsent) {
  const core::Scope scope{{"t", {}, {}, {}, "{}"}};
  EXPECT_EQ(scope_to_json(scope).value(), Json::parse(R"([{"type":"t"}])"));
  auto back = scope_from_json(Json::parse(R"([{"type":"t","actions":[]}])"));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(core::is_subset(*back, scope) && core::is_subset(scope, *back));
}

TEST(AuthorizationDetails, RefusesMalformedDetails) {
  const char* bad[] = {
      R"({"type":"t"})",
      R"(["t"])",
      R"([{"actions":["a"]}])",
      R"([{"type":""}])",
      R"([{"type":7}])",
      R"([{"type":"t","actions":"a"}])",
      R"([{"type":"t","actions":[1]}])",
      R"([{"type":"t","resources":["r","r"]}])",
      R"([{"type":"t","locations":[""]}])",
      R"([{"type":"t","actions":["a\u0000b"]}])",
      R"([{"type":"t","type":"u"}])",
  };
  for (const char* text : bad) EXPECT_FALSE(scope_from_json_text(text).has_value()) << text;
}

TEST(AuthorizationDetails, RefusesExtraThatCollidesOrIsNotAnObject) {
  EXPECT_FALSE(scope_to_json({{"t", {}, {}, {}, R"({"actions":["x"]})"}}).has_value());
  EXPECT_FALSE(scope_to_json({{"t", {}, {}, {}, R"([1])"}}).has_value());
  EXPECT_FALSE(scope_to_json({{"t", {}, {}, {}, R"({"a":1,"a":2})"}}).has_value());
}

}  // namespace
}  // namespace mandate::token
