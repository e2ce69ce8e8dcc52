#include <gtest/gtest.h>

#include "broker/records.h"
#include "broker/rules_file.h"
#include "core/error.h"

namespace mandate::broker {
namespace {

std::string error_of(const std::string& toml) {
  try {
    parse_rules_file(toml, "rules.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RulesFile, ReadsEverySettingWithDefaults) {
  const auto rules = parse_rules_file(R"([[rule]]
id = "prod"
detail_types = ["deploy", "migrate"]
approvals = 2
approver_groups = ["sre"]
max_task_duration = "1h30m"
max_uses = 4
break_glass = true

[[rule]]
id = "catch-all"
max_task_duration = "1d"
)", "rules.toml");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].required_approvals, 2u);
  EXPECT_EQ(rules[0].max_duration, std::chrono::minutes(90));
  EXPECT_EQ(rules[0].max_mandate_lifetime, std::chrono::minutes(15));
  EXPECT_EQ(rules[0].max_uses, 4u);
  EXPECT_TRUE(rules[0].break_glass_allowed);
  EXPECT_EQ(rules[0].review_within, std::chrono::hours(24));
  EXPECT_TRUE(rules[1].detail_types.empty());
  EXPECT_FALSE(rules[1].break_glass_allowed);
}

TEST(RulesFile, ErrorsSayWhereAndWhy) {
  EXPECT_NE(error_of("[[rule]]\nid = \"a\"\nmax_task_duration = \"1h\"\napprovalz = 2\n").find("rules.toml:4:"), std::string::npos);
  EXPECT_NE(error_of("[[rule]]\nid = \"a\"\nmax_task_duration = \"soon\"\n").find("rules.toml:3:"), std::string::npos);
  EXPECT_NE(error_of("[[rule]]\nid = \"a\"\n").find("max_task_duration"), std::string::npos);
  EXPECT_NE(error_of("[[rule]]\nid = \"a\"\nmax_task_duration = \"1h\"\n[[rule]]\nid = \"a\"\nmax_task_duration = \"1h\"\n").find("repeats"), std::string::npos);
  EXPECT_NE(error_of("[[rule]\n").find("rules.toml:1:"), std::string::npos);
  EXPECT_NE(error_of("[other]\nx = 1\n").find("unknown table"), std::string::npos);
}

TEST(Durations, ParseAndFormatRoundTrip) {
  for (const char* text : {"30s", "15m", "2h", "1d", "1h30m", "1d2h3m4s"}) {
    auto d = parse_duration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(format_duration(*d), text);
  }
  for (const char* bad : {"", "0s", "15", "m", "1m1h", "1.5h", "-1h", "1h 30m", "1w", "99999999999d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

}  // namespace
}  // namespace mandate::broker
