// The real thing: OpenID discovery and JWKS over loopback HTTP with libcurl,
// from a provider written with jose (tests/identity/oidc_server.mjs), and the
// fetcher's own refusals.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "auth_setup.h"
#include "identity/curl_fetcher.h"

namespace mandate::identity::testing {
namespace {

using Json = nlohmann::json;
const std::filesystem::path kSourceDir = MANDATE_SOURCE_DIR;

// The node provider, stopped (via /shutdown) when the object goes away.
class NodeProvider {
 public:
  // With `tls_files` (certificate chain, key), over https.
  explicit NodeProvider(const std::string& tls_files = "") {
    const auto script = kSourceDir / "tests/identity/oidc_server.mjs";
    process_.reset(popen(("node " + script.string() + " " + tls_files).c_str(), "r"));
    if (!process_) return;
    std::string line;
    for (int c = std::fgetc(process_.get()); c != EOF && c != '\n'; c = std::fgetc(process_.get())) {
      line.push_back(static_cast<char>(c));
    }
    info_ = Json::parse(line, nullptr, false);
  }
  ~NodeProvider() {
    if (ready()) (void)fetcher_.fetch(issuer() + "/shutdown", shutdown_options_);
  }
  void trust(const std::filesystem::path& ca_file) { shutdown_options_.ca_file = ca_file; }
  NodeProvider(const NodeProvider&) = delete;
  NodeProvider& operator=(const NodeProvider&) = delete;

  bool ready() const { return process_ && info_.is_object(); }
  std::string issuer() const { return info_["issuer"]; }
  std::string token(const std::string& name) const { return info_["tokens"][name]; }
  static FetchOptions http_options() {
    FetchOptions o;
    o.allow_http = true;
    return o;
  }

 private:
  struct Close {
    void operator()(FILE* f) const { pclose(f); }
  };
  std::unique_ptr<FILE, Close> process_;
  Json info_;
  CurlJwksFetcher fetcher_;
  FetchOptions shutdown_options_ = http_options();
};

class RealJwks : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kSourceDir / "node_modules/jose/package.json")) {
      GTEST_FAIL() << "jose is not installed in " << (kSourceDir / "node_modules") << ": run scripts/install-deps.sh";
    }
    ASSERT_TRUE(provider.ready()) << "the node OpenID provider did not start";
  }
  Authenticator authenticator(int refresh_interval) {
    return make_authenticator("[identity]\njwks_refresh_interval = " + std::to_string(refresh_interval) +
                                  "\n[[identity.oidc]]\nissuer = \"" + provider.issuer() +
                                  "\"\naudience = \"mandate\"\nallow_http = true\nactor_claim = \"email\"\n",
                              dir.path(), std::make_shared<CurlJwksFetcher>());
  }
  TempDir dir;
  NodeProvider provider;
};

TEST_F(RealJwks, DiscoveryAndJwksOverHttpVerifyJoseTokens) {
  auto auth = authenticator(60);
  auto id = auth.authenticate(Presented{provider.token("rsa"), {}});
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "alice@example.com");
  EXPECT_EQ(id->authenticated_by, "oidc:" + provider.issuer() + " sub=alice");
  auto expired = auth.authenticate_token(provider.token("expired"));
  ASSERT_FALSE(expired.has_value());
  EXPECT_NE(expired.error().reason.find("expired"), std::string::npos);
  // The EC key is not published yet and the interval forbids a refresh.
  EXPECT_FALSE(auth.authenticate_token(provider.token("ec")).has_value());
  EXPECT_EQ(auth.key_refreshes(provider.issuer()), 1u);
}

TEST_F(RealJwks, RotatedKeyIsFoundByRefreshingOnItsKid) {
  auto auth = authenticator(0);
  ASSERT_TRUE(auth.authenticate_token(provider.token("rsa")).has_value());
  auto before = auth.authenticate_token(provider.token("ec"));
  ASSERT_FALSE(before.has_value());
  EXPECT_NE(before.error().reason.find("no ES256 key"), std::string::npos) << before.error().reason;
  CurlJwksFetcher fetcher;
  ASSERT_TRUE(fetcher.fetch(provider.issuer() + "/rotate", NodeProvider::http_options()).has_value());
  auto after = auth.authenticate_token(provider.token("ec"));
  ASSERT_TRUE(after.has_value()) << after.error().reason;
  EXPECT_EQ(auth.key_refreshes(provider.issuer()), 3u);
}

TEST_F(RealJwks, FetcherRefusesPlainHttpSizeAndStatus) {
  CurlJwksFetcher fetcher;
  auto plain = fetcher.fetch(provider.issuer() + "/jwks", FetchOptions{});
  ASSERT_FALSE(plain.has_value());
  EXPECT_NE(plain.error().find("only https://"), std::string::npos) << plain.error();
  auto big = fetcher.fetch(provider.issuer() + "/big", NodeProvider::http_options());
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().find("exceeds"), std::string::npos) << big.error();
  auto missing = fetcher.fetch(provider.issuer() + "/nothing", NodeProvider::http_options());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("404"), std::string::npos) << missing.error();
}

// TLS is always verified: against the system's CAs by default, or the
// configured ca_file.
TEST(RealJwksOverTls, TheProviderIsTrustedOnlyThroughTheConfiguredCa) {
  TempDir dir;
  TestPki pki("idp.test");
  LeafOptions server;
  server.other_sans = "IP:127.0.0.1";
  const Cert cert = pki.leaf(server);
  write_file(dir / "chain.pem", cert.pem + pki.intermediate().pem);
  write_file(dir / "key.pem", cert.key.private_pem());
  write_file(dir / "ca.pem", pki.root().pem);
  NodeProvider provider((dir / "chain.pem").string() + " " + (dir / "key.pem").string());
  ASSERT_TRUE(provider.ready()) << "the node OpenID provider did not start";
  provider.trust(dir / "ca.pem");
  ASSERT_TRUE(provider.issuer().starts_with("https://"));

  CurlJwksFetcher fetcher;
  auto untrusted = fetcher.fetch(provider.issuer() + "/jwks", FetchOptions{});
  ASSERT_FALSE(untrusted.has_value());
  FetchOptions with_ca;
  with_ca.ca_file = dir / "ca.pem";
  EXPECT_TRUE(fetcher.fetch(provider.issuer() + "/jwks", with_ca).has_value());

  const std::string config = "[identity]\n[[identity.oidc]]\nissuer = \"" + provider.issuer() +
                             "\"\naudience = \"mandate\"\nca_file = \"ca.pem\"\n";
  auto auth = make_authenticator(config, dir.path(), std::make_shared<CurlJwksFetcher>());
  auto id = auth.authenticate_token(provider.token("rsa"));
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "alice");
  const std::string no_ca = "[identity]\n[[identity.oidc]]\nissuer = \"" + provider.issuer() +
                            "\"\naudience = \"mandate\"\n";
  auto without = make_authenticator(no_ca, dir.path(), std::make_shared<CurlJwksFetcher>());
  auto refused = without.authenticate_token(provider.token("rsa"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().reason.find("OpenID discovery failed"), std::string::npos) << refused.error().reason;
}

TEST(CurlFetcher, UnreachableServerIsAnError) {
  CurlJwksFetcher fetcher;
  FetchOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  auto result = fetcher.fetch("https://127.0.0.1:1/jwks", options);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().find("GET https://127.0.0.1:1/jwks"), std::string::npos) << result.error();
}

}  // namespace
}  // namespace mandate::identity::testing
