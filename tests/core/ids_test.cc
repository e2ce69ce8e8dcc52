#include "core/ids.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mandate::core {
namespace {

TEST(IdsTest, AcceptsOrdinaryIdentifiers) {
  EXPECT_TRUE(check_id("alice@example.com"));
  EXPECT_TRUE(check_id("https://accounts.example.com#1234"));
  EXPECT_TRUE(check_id("task-01HZX"));
  EXPECT_TRUE(check_id("Zoë Ångström"));  // non-ASCII UTF-8 is fine
  EXPECT_TRUE(check_id(std::string(kMaxIdLength, 'a')));
}

TEST(IdsTest, RejectsEmptyLongControlAndInvalidUtf8) {
  EXPECT_FALSE(check_id(""));
  EXPECT_FALSE(check_id(std::string(kMaxIdLength + 1, 'a')));
  EXPECT_FALSE(check_id("alice\nbob"));
  EXPECT_FALSE(check_id("alice\tbob"));
  EXPECT_FALSE(check_id(std::string("alice\0bob", 9)));
  EXPECT_FALSE(check_id("alice\x7f"));
  EXPECT_FALSE(check_id("alice\xc2\x85"));      // U+0085 NEL, a C1 control
  EXPECT_FALSE(check_id("alice\xff"));          // not UTF-8
  EXPECT_FALSE(check_id("alice\xc3"));          // truncated sequence
  EXPECT_FALSE(check_id("\xc0\xaf"));           // overlong "/"
  EXPECT_FALSE(check_id("\xed\xa0\x80"));       // surrogate
  EXPECT_FALSE(check_id("\xf4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_EQ(check_id("").error(), "is empty");
  EXPECT_EQ(check_id("a\nb").error(), "contains a control character");
}

TEST(IdsTest, ErrorsDoNotEchoTheValue) {
  const auto r = check_id("secret-token\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().find("secret"), std::string::npos);
}

TEST(IdsTest, AcceptsValidSpiffeIds) {
  for (const char* id : {
           "spiffe://example.org",
           "spiffe://example.org/workload",
           "spiffe://staging.example.com/payments/mysql",
           "spiffe://k8s-west.example.com/ns/staging/sa/default",
           "spiffe://trust_domain-1.example/Path.With-Mixed_Case/9eebccd2",
           "spiffe://example.org/..a/a..",  // dots inside a segment are fine
           "spiffe://example.org/.hidden",
       }) {
    EXPECT_TRUE(is_spiffe_id(id)) << id;
  }
}

TEST(IdsTest, RejectsInvalidSpiffeIds) {
  for (const char* id : {
           "",
           "spiffe://",                          // no trust domain
           "spiffe:///path",                     // no trust domain
           "SPIFFE://example.org/a",             // scheme must be lower case
           "https://example.org/a",              // wrong scheme
           "spiffe:example.org/a",               // no "//"
           "spiffe://Example.org/a",             // upper-case trust domain
           "spiffe://example.org:8080/a",        // port
           "spiffe://user@example.org/a",        // userinfo
           "spiffe://example.org/",              // trailing slash
           "spiffe://example.org/a/",            // trailing slash
           "spiffe://example.org//a",            // empty segment
           "spiffe://example.org/a/./b",         // dot segment
           "spiffe://example.org/a/../b",        // dot-dot segment
           "spiffe://example.org/.",
           "spiffe://example.org/..",
           "spiffe://example.org/a?x=1",         // query
           "spiffe://example.org/a#frag",        // fragment
           "spiffe://example.org?x=1",           // query on the trust domain
           "spiffe://example.org#frag",
           "spiffe://example.org/a%20b",         // percent-encoding
           "spiffe://example.org/a b",           // space
           "spiffe://exa mple.org/a",
           "spiffe://example.org/caf\xc3\xa9",   // non-ASCII
       }) {
    EXPECT_FALSE(is_spiffe_id(id)) << id;
  }
}

TEST(IdsTest, EnforcesSpiffeLengthLimits) {
  const std::string td255(255, 'a');
  EXPECT_TRUE(is_spiffe_id("spiffe://" + td255 + "/w"));
  EXPECT_FALSE(is_spiffe_id("spiffe://" + std::string(256, 'a') + "/w"));
  const std::string prefix = "spiffe://example.org/";
  EXPECT_TRUE(is_spiffe_id(prefix + std::string(kMaxIdLength - prefix.size(), 'p')));
  EXPECT_FALSE(is_spiffe_id(prefix + std::string(kMaxIdLength - prefix.size() + 1, 'p')));
}

TEST(IdsTest, SpiffeErrorsSayWhatIsWrong) {
  EXPECT_EQ(check_spiffe_id("spiffe://example.org/a/").error(), "ends with \"/\"");
  EXPECT_EQ(check_spiffe_id("spiffe://example.org:443/a").error(),
            "has a port or userinfo in its trust domain");
  EXPECT_EQ(check_spiffe_id("spiffe://example.org/a?b").error(), "has a query");
}

TEST(IdsTest, ChecksUris) {
  EXPECT_TRUE(check_uri("https://ci.example.com/pipelines/7"));
  EXPECT_TRUE(check_uri("repo:octo-org/octo-repo:environment:prod"));
  EXPECT_TRUE(check_uri("system:serviceaccount:payments:deployer"));
  EXPECT_TRUE(check_uri("urn:uuid:9eebccd2-12bf-40a6-b262-65fe0487d453"));
  EXPECT_TRUE(check_uri("spiffe://example.org/ci"));
  EXPECT_FALSE(check_uri("deploy-bot"));            // no scheme
  EXPECT_FALSE(check_uri(":nothing"));              // empty scheme
  EXPECT_FALSE(check_uri("1http://x"));             // scheme starts with a digit
  EXPECT_FALSE(check_uri("ht tp://x"));             // space in scheme
  EXPECT_FALSE(check_uri("https:"));                // nothing after the scheme
  EXPECT_FALSE(check_uri("https://x/a b"));         // space
  EXPECT_FALSE(check_uri("SPIFFE://example.org/a"));  // a SPIFFE scheme is held to SPIFFE rules
  EXPECT_FALSE(check_uri("spiffe://example.org/a/"));
}

TEST(IdsTest, WorkloadIdsAreUrisAndSpiffeOnesNeedAPath) {
  EXPECT_TRUE(check_workload_id("spiffe://example.org/ci/deployer"));
  EXPECT_TRUE(check_workload_id("repo:octo-org/octo-repo:ref:refs/heads/main"));
  EXPECT_FALSE(check_workload_id("spiffe://example.org"));
  EXPECT_FALSE(check_workload_id("deploy-bot"));
  EXPECT_FALSE(check_workload_id("https://x/\n"));
  EXPECT_FALSE(check_workload_id(""));
}

TEST(IdsTest, DistinctIdLists) {
  const std::vector<std::string> good{"sre", "payments-approvers"};
  EXPECT_TRUE(check_distinct_ids(good));
  EXPECT_TRUE(check_distinct_ids({}));
  const std::vector<std::string> repeated{"sre", "dba", "sre"};
  EXPECT_EQ(check_distinct_ids(repeated).error(), "has a repeated entry");
  const std::vector<std::string> empty_entry{"sre", ""};
  EXPECT_EQ(check_distinct_ids(empty_entry).error(), "entry is empty");
  // Exact comparison: case variants are different names.
  const std::vector<std::string> cased{"SRE", "sre"};
  EXPECT_TRUE(check_distinct_ids(cased));
}

TEST(IdsTest, TextAllowsLineBreaksButNoOtherControls) {
  EXPECT_TRUE(check_text("Roll out v2.3 to prod.\r\nSee CHG-1234.\tThanks"));
  EXPECT_FALSE(check_text(""));
  EXPECT_FALSE(check_text("bell\a"));
  EXPECT_FALSE(check_text("escape \x1b[31mred"));
  EXPECT_FALSE(check_text(std::string(kMaxTextLength + 1, 'x')));
  EXPECT_TRUE(check_text(std::string(kMaxTextLength, 'x')));
}

}  // namespace
}  // namespace mandate::core
