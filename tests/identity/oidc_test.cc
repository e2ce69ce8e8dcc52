// Human callers: OpenID Connect ID tokens verified against the issuer's
// JWKS, found by discovery and refreshed on an unknown kid (rate limited).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth_setup.h"
#include "encoding/base64.h"

namespace mandate::identity::testing {
namespace {

using Json = nlohmann::json;
const std::string kIssuer = "https://idp.example";
const std::string kDiscovery = kIssuer + "/.well-known/openid-configuration";
const std::string kJwksUri = kIssuer + "/keys";

std::string config_text(int refresh_interval) {
  return R"([identity]
audience = "https://mandate.example"
jwks_refresh_interval = )" + std::to_string(refresh_interval) + R"(
[[identity.oidc]]
issuer = "https://idp.example"
audience = "mandate-client"
actor_claim = "email"
)";
}

class Oidc : public ::testing::Test {
 protected:
  void SetUp() override {
    fetcher->serve(kDiscovery, Json{{"issuer", kIssuer}, {"jwks_uri", kJwksUri}}.dump());
    publish({rs256});
  }
  void publish(const std::vector<TestKey>& keys) { fetcher->serve(kJwksUri, jwks_of(keys).dump()); }
  Authenticator authenticator(int refresh_interval = 60) {
    return make_authenticator(config_text(refresh_interval), dir.path(), fetcher, clock.clock());
  }
  Json claims(std::int64_t offset = 0) const {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock.clock()().time_since_epoch()).count() + offset;
    return Json{{"iss", kIssuer}, {"aud", "mandate-client"}, {"sub", "00u1alice"}, {"email", "alice@example.com"},
                {"email_verified", true}, {"iat", now}, {"exp", now + 300}};
  }
  // Refused, with `fragment` in the reason and the token nowhere in it.
  void expect_refused(Authenticator& auth, const std::string& token, const std::string& fragment) {
    auto result = auth.authenticate(Presented{token, {}});
    ASSERT_FALSE(result.has_value()) << result->actor_id;
    EXPECT_NE(result.error().reason.find(fragment), std::string::npos) << result.error().reason;
    expect_not_quoted(result.error().reason, token);
  }

  TempDir dir;
  std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();
  ManualClock clock;
  TestKey rs256 = TestKey::generate("RS256", "rsa-1");
};

TEST_F(Oidc, ValidRs256IdTokenProvesTheHuman) {
  auto auth = authenticator();
  auto id = auth.authenticate(Presented{make_jwt(rs256, claims()), {}});
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "alice@example.com");
  EXPECT_EQ(id->kind, "human");
  EXPECT_EQ(id->authenticated_by, "oidc:https://idp.example sub=00u1alice");
  EXPECT_FALSE(id->certificate_thumbprint.has_value());
  EXPECT_EQ(fetcher->requests(kDiscovery), 1u);
  EXPECT_EQ(fetcher->requests(kJwksUri), 1u);
  // Cached: a second token costs no fetch.
  ASSERT_TRUE(auth.authenticate_token(make_jwt(rs256, claims())).has_value());
  EXPECT_EQ(fetcher->requests(kJwksUri), 1u);
}

TEST_F(Oidc, Es256EdDsaAndPs256KeysVerify) {
  const auto es = TestKey::generate("ES256", "ec-1");
  const auto ed = TestKey::generate("EdDSA", "ed-1");
  const auto ps = TestKey::generate("PS256", "ps-1");
  publish({rs256, es, ed, ps});
  auto auth = authenticator();
  for (const auto& key : {es, ed, ps}) {
    auto id = auth.authenticate_token(make_jwt(key, claims()));
    ASSERT_TRUE(id.has_value()) << key.alg() << ": " << id.error().reason;
    EXPECT_EQ(id->actor_id, "alice@example.com");
  }
}

TEST_F(Oidc, TimesAreCheckedWithTheSkew) {
  auto auth = authenticator();
  expect_refused(auth, make_jwt(rs256, claims(-400)), "expired");
  auto not_yet = claims();
  not_yet["nbf"] = not_yet["iat"].get<std::int64_t>() + 120;
  expect_refused(auth, make_jwt(rs256, not_yet), "not valid yet");
  expect_refused(auth, make_jwt(rs256, claims(120)), "issued in the future");
  // Within the default 30 s skew: expired 10 s ago is still accepted.
  EXPECT_TRUE(auth.authenticate_token(make_jwt(rs256, claims(-310))).has_value());
  auto no_exp = claims();
  no_exp.erase("exp");
  expect_refused(auth, make_jwt(rs256, no_exp), "no \"exp\"");
  auto no_iat = claims();
  no_iat.erase("iat");
  expect_refused(auth, make_jwt(rs256, no_iat), "no \"iat\"");
}

TEST_F(Oidc, ForeignIssuerAndAudienceAreRefused) {
  auto auth = authenticator();
  auto foreign = claims();
  foreign["iss"] = "https://evil.example";
  expect_refused(auth, make_jwt(rs256, foreign), "not a configured identity provider");
  auto trailing = claims();
  trailing["iss"] = kIssuer + "/";  // exact comparison, no normalisation
  expect_refused(auth, make_jwt(rs256, trailing), "not a configured identity provider");
  auto wrong_aud = claims();
  wrong_aud["aud"] = "another-client";
  expect_refused(auth, make_jwt(rs256, wrong_aud), "\"aud\"");
  auto listed = claims();
  listed["aud"] = Json::array({"another-client", "mandate-client"});
  EXPECT_TRUE(auth.authenticate_token(make_jwt(rs256, listed)).has_value());
  auto no_sub = claims();
  no_sub.erase("sub");
  expect_refused(auth, make_jwt(rs256, no_sub), "no \"sub\"");
}

TEST_F(Oidc, UnknownKidTriggersARefreshThatFindsIt) {
  auto auth = authenticator(0);
  ASSERT_TRUE(auth.authenticate_token(make_jwt(rs256, claims())).has_value());
  const auto rotated = TestKey::generate("RS256", "rsa-2");
  publish({rs256, rotated});
  auto id = auth.authenticate_token(make_jwt(rotated, claims()));
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(fetcher->requests(kJwksUri), 2u);
  EXPECT_EQ(auth.key_refreshes(kIssuer), 2u);
}

TEST_F(Oidc, RefreshesOnUnknownKidsAreRateLimited) {
  auto auth = authenticator(60);
  ASSERT_TRUE(auth.authenticate_token(make_jwt(rs256, claims())).has_value());
  const auto rotated = TestKey::generate("RS256", "rsa-2");
  publish({rs256, rotated});
  // A flood of made-up kids: no fetch at all within the interval.
  for (int i = 0; i < 50; ++i) {
    const auto bogus = TestKey::generate("EdDSA", "bogus-" + std::to_string(i));
    expect_refused(auth, make_jwt(bogus, claims()), "not refreshed");
  }
  expect_refused(auth, make_jwt(rotated, claims()), "not refreshed");
  EXPECT_EQ(fetcher->requests(kJwksUri), 1u);
  clock.advance(std::chrono::seconds(61));
  auto id = auth.authenticate_token(make_jwt(rotated, claims()));
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(fetcher->requests(kJwksUri), 2u);
}

TEST_F(Oidc, UnsignedAndMacedTokensAreRefused) {
  auto auth = authenticator();
  const Json payload = claims();
  expect_refused(auth, raw_jwt(Json{{"alg", "none"}, {"kid", "rsa-1"}}, payload, ""), "alg\":\"none\"");
  // The classic confusion: HS256 keyed with the RSA public key's JWK text.
  const std::string hs = raw_jwt(Json{{"alg", "HS256"}, {"kid", "rsa-1"}}, payload, std::string(32, 'x'));
  expect_refused(auth, hs, "HS*");
  expect_refused(auth, make_jwt(rs256, payload, Json{{"alg", "RS1"}}), "\"alg\" is not one of");
  expect_refused(auth, make_jwt(rs256, payload, Json{{"crit", Json::array({"exp"})}}), "crit");
  expect_refused(auth, make_jwt(rs256, payload, Json{{"kid", ""}}), "no \"kid\"");
  expect_refused(auth, make_jwt(rs256, payload, Json{{"typ", "at+jwt"}}), "not an ID token");
  // The key fixes the algorithm: an RSA key published without "alg" does
  // not verify PS256.
  expect_refused(auth, make_jwt(rs256, payload, Json{{"alg", "PS256"}}), "no PS256 key");
}

TEST_F(Oidc, TamperedAndForeignSignaturesAreRefused) {
  auto auth = authenticator();
  const std::string token = make_jwt(rs256, claims());
  std::string tampered_signature = token;
  tampered_signature[tampered_signature.size() - 5] = tampered_signature[tampered_signature.size() - 5] == 'A' ? 'B' : 'A';
  expect_refused(auth, tampered_signature, "signature does not verify");
  auto changed = claims();
  changed["email"] = "mallory@example.com";
  const std::string forged_payload = token.substr(0, token.find('.') + 1) + encoding::base64url_encode(changed.dump()) +
                                     token.substr(token.rfind('.'));
  expect_refused(auth, forged_payload, "signature does not verify");
  // A key the IdP never published, under the IdP's kid.
  const auto foreign = TestKey::generate("RS256", "rsa-1");
  expect_refused(auth, make_jwt(foreign, claims()), "signature does not verify");
  expect_refused(auth, "not-a-jwt", "3");
}

TEST_F(Oidc, UnverifiedEmailDoesNotNameAnActor) {
  auto auth = authenticator();
  auto unverified = claims();
  unverified["email_verified"] = false;
  expect_refused(auth, make_jwt(rs256, unverified), "email_verified");
  auto control = claims();
  control["email"] = "alice@example.com\nforged ledger line";
  expect_refused(auth, make_jwt(rs256, control), "printable");
}

TEST_F(Oidc, ShortRsaKeysInTheJwksAreIgnored) {
  const auto weak = TestKey::rsa_bits(1024, "weak");
  publish({rs256, weak});
  auto auth = authenticator();
  expect_refused(auth, make_jwt(weak, claims()), "no RS256 key");
}

TEST_F(Oidc, DiscoveryNamingAnotherIssuerIsRefused) {
  fetcher->serve(kDiscovery, Json{{"issuer", "https://evil.example"}, {"jwks_uri", kJwksUri}}.dump());
  auto auth = authenticator();
  expect_refused(auth, make_jwt(rs256, claims()), "names another issuer");
}

TEST_F(Oidc, ConcurrentCallersShareOneFetch) {
  auto auth = authenticator(60);
  const std::string token = make_jwt(rs256, claims());
  const auto bogus = make_jwt(TestKey::generate("ES256", "bogus"), claims());
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (auth.authenticate_token(token)) ++accepted;
        (void)auth.authenticate_token(bogus);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_EQ(fetcher->requests(kDiscovery), 1u);
  EXPECT_EQ(fetcher->requests(kJwksUri), 1u);
}

TEST(Credentials, NoneAtAllIsRefused) {
  TempDir dir;
  auto auth = make_authenticator(config_text(60), dir.path(), std::make_shared<FakeFetcher>());
  auto result = auth.authenticate(Presented{});
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().reason.find("no credentials"), std::string::npos);
  result = auth.authenticate(Presented{std::string(), {}});
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().reason.find("empty"), std::string::npos);
}

}  // namespace
}  // namespace mandate::identity::testing

namespace mandate::identity::testing {
namespace {

// A token that verified once is remembered, but never past its own exp.
TEST_F(Oidc, ARememberedTokenStillExpires) {
  auto auth = authenticator();
  const std::string token = make_jwt(rs256, claims());
  ASSERT_TRUE(auth.authenticate_token(token).has_value());
  ASSERT_TRUE(auth.authenticate_token(token).has_value());
  clock.advance(std::chrono::seconds(240));
  ASSERT_TRUE(auth.authenticate_token(token).has_value());
  clock.advance(std::chrono::seconds(120));  // past exp (300 s) and the skew (30 s)
  expect_refused(auth, token, "expired");
  // A changed token is another key in the cache: verified afresh, refused.
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(auth.authenticate_token(tampered).has_value());
}

// remembered_token answers from memory only: nothing for a token never
// verified (or refused), the identity of one that verified, and nothing
// again once it has expired.
TEST_F(Oidc, ARememberedTokenIsKnownWithoutVerifyingUntilItExpires) {
  auto auth = authenticator();
  const std::string token = make_jwt(rs256, claims());
  EXPECT_FALSE(auth.remembered_token(token).has_value());
  const auto verified = auth.authenticate_token(token);
  ASSERT_TRUE(verified.has_value());
  const auto remembered = auth.remembered_token(token);
  ASSERT_TRUE(remembered.has_value());
  EXPECT_EQ(remembered->actor_id, verified->actor_id);
  EXPECT_EQ(remembered->authenticated_by, verified->authenticated_by);
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(auth.authenticate_token(tampered).has_value());
  EXPECT_FALSE(auth.remembered_token(tampered).has_value());
  clock.advance(std::chrono::seconds(360));
  EXPECT_FALSE(auth.remembered_token(token).has_value());
}

// The console's sign-in: the ID token its client redeemed is verified as a
// bearer ID token is, against the console's client_id and the login's nonce.
class ConsoleLogin : public Oidc {
 protected:
  Json login_claims(std::int64_t offset = 0) const {
    Json c = claims(offset);
    c["aud"] = "mandate-console";
    c["nonce"] = "n-0S6_WzA2Mj";
    return c;
  }
  std::expected<Identity, AuthFailure> login(Authenticator& auth, const Json& c) {
    return auth.authenticate_login(make_jwt(rs256, c), kIssuer, "mandate-console", "n-0S6_WzA2Mj");
  }
  void expect_login_refused(Authenticator& auth, const Json& c, const std::string& fragment) {
    const std::string token = make_jwt(rs256, c);
    auto result = auth.authenticate_login(token, kIssuer, "mandate-console", "n-0S6_WzA2Mj");
    ASSERT_FALSE(result.has_value()) << result->actor_id;
    EXPECT_NE(result.error().reason.find(fragment), std::string::npos) << result.error().reason;
    EXPECT_EQ(result.error().reason.find("bearer token"), std::string::npos) << result.error().reason;
    expect_not_quoted(result.error().reason, token);
  }
};

TEST_F(ConsoleLogin, AnIdTokenForTheConsoleClientWithItsNonceProvesTheHumanAsABearerTokenWould) {
  auto auth = authenticator();
  auto id = login(auth, login_claims());
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "alice@example.com");
  EXPECT_EQ(id->kind, "human");
  EXPECT_EQ(id->authenticated_by, "oidc:https://idp.example sub=00u1alice");
  EXPECT_EQ(id->issuer, kIssuer);
  EXPECT_EQ(id->subject, "00u1alice");
  // The same token is no bearer credential: its aud is the console's client.
  EXPECT_FALSE(auth.authenticate_token(make_jwt(rs256, login_claims())).has_value());
}

TEST_F(ConsoleLogin, WrongNonceAudienceExpiryAndIssuerAreRefused) {
  auto auth = authenticator();
  Json other_nonce = login_claims();
  other_nonce["nonce"] = "n-somebody-elses";
  expect_login_refused(auth, other_nonce, "nonce");
  Json no_nonce = login_claims();
  no_nonce.erase("nonce");
  expect_login_refused(auth, no_nonce, "nonce");
  Json wrong_aud = login_claims();
  wrong_aud["aud"] = "mandate-client";  // the API's audience, not the console's client
  expect_login_refused(auth, wrong_aud, "\"aud\"");
  expect_login_refused(auth, login_claims(-400), "expired");
  Json several = login_claims();
  several["aud"] = Json::array({"mandate-console", "another-client"});
  expect_login_refused(auth, several, "azp");
  several["azp"] = "mandate-console";
  EXPECT_TRUE(login(auth, several).has_value());
  auto unknown = auth.authenticate_login(make_jwt(rs256, login_claims()), "https://other.example", "mandate-console",
                                         "n-0S6_WzA2Mj");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().reason.find("not a configured OpenID provider"), std::string::npos);
}

TEST_F(ConsoleLogin, ATokenSignedByAnotherKeyIsRefused) {
  auto auth = authenticator();
  const auto foreign = TestKey::generate("RS256", "rsa-1");
  auto result = auth.authenticate_login(make_jwt(foreign, login_claims()), kIssuer, "mandate-console", "n-0S6_WzA2Mj");
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().reason.find("signature does not verify"), std::string::npos) << result.error().reason;
}

}  // namespace
}  // namespace mandate::identity::testing
