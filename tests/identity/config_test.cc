// The [identity] table: what it accepts, and that mistakes are errors with
// their place rather than silently weaker authentication.
#include <gtest/gtest.h>

#include "auth_setup.h"
#include "identity/internal/mapping.h"

namespace mandate::identity::testing {
namespace {

class IdentityConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir / "bundle.pem", pki.root().pem);
    write_file(dir / "jwks.json", jwks_of({TestKey::generate("ES256", "k")}).dump());
  }
  std::string error_of(const std::string& text) {
    auto config = parse_config_text(text, dir.path());
    EXPECT_FALSE(config.has_value()) << text;
    return config ? std::string() : config.error();
  }
  TempDir dir;
  TestPki pki{"example.org"};
};

TEST_F(IdentityConfigTest, FullExampleParses) {
  auto config = parse_config_text(R"([identity]
audience = "https://mandate.example"
clock_skew = 10
jwks_refresh_interval = 120
jwks_cache_ttl = 600
fetch_timeout = 3
[[identity.oidc]]
issuer = "https://idp.example"
audience = ["mandate", "mandate-cli"]
jwks_uri = "https://idp.example/keys"
actor_claim = "email"
actor_template = "user:{}"
[[identity.workload]]
kind = "x509-svid"
trust_domain = "example.org"
bundle = "bundle.pem"
[[identity.workload.map]]
match = "spiffe://example.org/ci/*"
actor = "ci"
[[identity.workload]]
kind = "jwt-svid"
trust_domain = "example.org"
jwks_file = "jwks.json"
[[identity.workload.map]]
match = "*"
actor = "any"
kind = "agent"
)",
                                  dir.path());
  ASSERT_TRUE(config.has_value()) << config.error();
  EXPECT_EQ(config->clock_skew, std::chrono::seconds(10));
  EXPECT_EQ(config->refresh_interval, std::chrono::seconds(120));
  ASSERT_EQ(config->oidc.size(), 1u);
  EXPECT_EQ(config->oidc[0].audiences, (std::vector<std::string>{"mandate", "mandate-cli"}));
  EXPECT_EQ(config->oidc[0].actor_template, "user:{}");
  ASSERT_EQ(config->workloads.size(), 2u);
  EXPECT_EQ(config->workloads[0].kind, CredentialKind::x509_svid);
  EXPECT_EQ(config->workloads[1].audiences, (std::vector<std::string>{"https://mandate.example"}));
  EXPECT_EQ(config->workloads[1].rules[0].kind, "agent");
}

TEST_F(IdentityConfigTest, MistakesAreErrorsWithTheirPlace) {
  EXPECT_NE(error_of("[identity]\naudiense = \"x\"\n").find("2:1: unknown setting identity.audiense"), std::string::npos);
  EXPECT_NE(error_of("[identity]\n[[identity.oidc]]\nissuer = \"https://idp.example\"\n").find("no audience"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\naudience = \"a\"\n[[identity.oidc]]\nissuer = \"http://idp.example\"\n")
                .find("https://"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\naudience = \"a\"\n[[identity.oidc]]\nissuer = \"https://i\"\n"
                     "[[identity.oidc]]\nissuer = \"https://i\"\n")
                .find("configured twice"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\n[[identity.workload]]\nkind = \"x509\"\n").find("must be x509-svid"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\n[[identity.workload]]\nkind = \"x509-svid\"\ntrust_domain = \"example.org\"\n"
                     "bundle = \"missing.pem\"\n[[identity.workload.map]]\nmatch = \"*\"\nactor = \"a\"\n")
                .find("cannot read"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\n[[identity.workload]]\nkind = \"x509-svid\"\ntrust_domain = \"example.org\"\n"
                     "bundle = \"bundle.pem\"\n").find("at least one"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\naudience = \"a\"\n[[identity.workload]]\nkind = \"github-actions\"\n"
                     "[[identity.workload.map]]\nrepo = \"acme/app\"\nactor = \"a\"\n")
                .find("unknown setting identity.workload.map.repo"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\naudience = \"a\"\n[[identity.workload]]\nkind = \"kubernetes\"\n"
                     "[[identity.workload.map]]\nnamespace = \"x\"\nactor = \"a\"\n")
                .find("missing required setting issuer"),
            std::string::npos);
  EXPECT_NE(error_of("[identity]\nclock_skew = 3600\n").find("between 0 and 300"), std::string::npos);
}

// The whole config file is handed over: [identity] is read from it, the rest
// is the server's business, and no [identity] means nothing is configured.
TEST_F(IdentityConfigTest, TheTableIsReadFromTheWholeDocument) {
  auto config = parse_config_text("home = \"h\"\n[listen]\nport = 0\n[identity]\naudience = \"a\"\n", dir.path());
  ASSERT_TRUE(config.has_value()) << config.error();
  config = parse_config_text("home = \"h\"\n", dir.path());
  ASSERT_TRUE(config.has_value()) << config.error();
  EXPECT_TRUE(config->oidc.empty());
  EXPECT_TRUE(config->workloads.empty());
  EXPECT_EQ(error_of("identity = 3\n"), "mandate.toml:1:12: identity must be a table");
  EXPECT_NE(error_of("[identity\n").find("mandate.toml:1:"), std::string::npos);
}

TEST(Globs, StarMatchesAnyRun) {
  EXPECT_TRUE(glob_match("spiffe://example.org/ci/*", "spiffe://example.org/ci/deployer"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("spiffe://example.org/ci/*", "spiffe://example.org/cd/deployer"));
  EXPECT_FALSE(glob_match("acme/app", "acme/app2"));
  EXPECT_FALSE(glob_match("a*b", "aXXbY"));
  EXPECT_TRUE(glob_match(std::string(50, '*') + "b", std::string(10000, 'a') + "b"));
}

}  // namespace
}  // namespace mandate::identity::testing
