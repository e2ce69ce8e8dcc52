// Proofs of possession: made and verified for both key types, and every
// rejection with the check it must report.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "token/jws.h"
#include "token/proof.h"
#include "token_fixtures.h"

namespace mandate::token {
namespace {

using namespace testing;
using Json = nlohmann::json;

constexpr const char* kToken = "header.payload.signature-of-some-mandate";
constexpr const char* kAction = "deploy";
constexpr const char* kResource = "https://k8s.example.com/ns/shop";

// Parameters: the key type, and whether the caller passes the executor's
// registered key (ProofOptions::registered_key), which must not change any
// outcome.
class ProofTest : public ::testing::TestWithParam<std::tuple<Algorithm, bool>> {
 protected:
  static Algorithm algorithm() { return std::get<0>(GetParam()); }
  PrivateKey key = PrivateKey::generate(algorithm());
  std::optional<PublicKey> registered =
      std::get<1>(GetParam()) ? std::optional<PublicKey>(key.public_key()) : std::nullopt;
  std::string jkt = key.public_key().thumbprint();

  std::string proof() const { return make_proof(key, kToken, kAction, kResource, test_now()); }

  std::expected<VerifiedProof, ProofRejection> verify(std::string_view text,
                                                      core::Timestamp now = test_now() + std::chrono::seconds(1)) const {
    return verify_proof(text, kToken, jkt, kAction, kResource,
                        ProofOptions{now, std::chrono::seconds{60}, std::chrono::seconds{5}, registered});
  }

  // A proof with header and payload changed, signed by `signer`.
  std::string crafted(const std::function<void(Json&, Json&)>& change, const PrivateKey* signer = nullptr) const {
    auto decoded = decode_compact(proof());
    EXPECT_TRUE(decoded.has_value());
    change(decoded->header, decoded->payload);
    const PrivateKey& by = signer != nullptr ? *signer : key;
    return encode_compact(decoded->header, decoded->payload, [&](std::string_view in) { return by.sign(in); });
  }

  void expect_rejected(std::string_view text, ProofCheck check, const char* what,
                       core::Timestamp now = test_now() + std::chrono::seconds(1)) const {
    auto result = verify(text, now);
    ASSERT_FALSE(result.has_value()) << what;
    EXPECT_EQ(result.error().check, check) << what << ": got " << to_string(result.error().check) << " ("
                                           << result.error().reason << ")";
  }
};

TEST_P(ProofTest, VerifiesAndReturnsTheJti) {
  const std::string text = proof();
  auto verified = verify(text);
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(verified->thumbprint, jkt);
  EXPECT_EQ(verified->issued_at, test_now());
  EXPECT_EQ(verified->jti.size(), 22u);  // 128 random bits, base64url
  auto decoded = decode_compact(text);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->header["typ"], "dpop+jwt");
  EXPECT_EQ(decoded->header["alg"], to_string(algorithm()));
  EXPECT_EQ(decoded->header["jwk"], Json::parse(key.public_key().jwk_json()));
  EXPECT_EQ(decoded->payload["htm"], kAction);
  EXPECT_EQ(decoded->payload["htu"], kResource);
  EXPECT_EQ(decoded->payload["ath"], access_token_hash(kToken));
}

TEST_P(ProofTest, EveryProofHasItsOwnJti) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(seen.insert(verify(proof())->jti).second);
}

TEST_P(ProofTest, MissingAndFormat) {
  expect_rejected("", ProofCheck::missing, "empty");
  expect_rejected("x.y", ProofCheck::format, "two parts");
  expect_rejected("not a proof at all", ProofCheck::format, "garbage");
  for (const char* claim : {"jti", "iat", "htm", "htu", "ath"}) {
    expect_rejected(crafted([&](Json&, Json& p) { p.erase(claim); }), ProofCheck::format, claim);
    expect_rejected(crafted([&](Json&, Json& p) { p[claim] = Json::array(); }), ProofCheck::format, claim);
  }
  expect_rejected(crafted([](Json&, Json& p) { p["jti"] = "short"; }), ProofCheck::format, "short jti");
  expect_rejected(crafted([](Json&, Json& p) { p["jti"] = std::string(300, 'j'); }), ProofCheck::format, "long jti");
  expect_rejected(crafted([](Json&, Json& p) { p["iat"] = 1.5; }), ProofCheck::format, "fractional iat");
}

TEST_P(ProofTest, Algorithm) {
  expect_rejected(crafted([](Json& h, Json&) { h["alg"] = "none"; }), ProofCheck::algorithm, "none");
  expect_rejected(crafted([](Json& h, Json&) { h["alg"] = "HS256"; }), ProofCheck::algorithm, "HS256");
  expect_rejected(crafted([](Json& h, Json&) { h["alg"] = "RS256"; }), ProofCheck::algorithm, "RS256");
  const std::string none = crafted([](Json& h, Json&) { h["alg"] = "none"; });
  expect_rejected(none.substr(0, none.rfind('.') + 1), ProofCheck::algorithm, "unsigned none");
}

TEST_P(ProofTest, Type) {
  expect_rejected(crafted([](Json& h, Json&) { h.erase("typ"); }), ProofCheck::type, "no typ");
  expect_rejected(crafted([](Json& h, Json&) { h["typ"] = "at+jwt"; }), ProofCheck::type, "a mandate's typ");
  expect_rejected(crafted([](Json& h, Json&) { h["typ"] = "JWT"; }), ProofCheck::type, "JWT");
}

TEST_P(ProofTest, Key) {
  expect_rejected(crafted([](Json& h, Json&) { h.erase("jwk"); }), ProofCheck::key, "no jwk");
  expect_rejected(crafted([](Json& h, Json&) { h["jwk"] = "key"; }), ProofCheck::key, "jwk string");
  expect_rejected(crafted([](Json& h, Json&) { h["jwk"]["kty"] = "RSA"; }), ProofCheck::key, "RSA");
  expect_rejected(crafted([](Json& h, Json&) { h["jwk"]["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"; }),
                  ProofCheck::key, "private jwk");
  const PrivateKey other_type = PrivateKey::generate(algorithm() == Algorithm::EdDSA ? Algorithm::ES256 : Algorithm::EdDSA);
  expect_rejected(crafted([&](Json& h, Json&) { h["jwk"] = Json::parse(other_type.public_key().jwk_json()); }),
                  ProofCheck::key, "jwk of the other type");
}

TEST_P(ProofTest, Signature) {
  // Signed by someone else, but naming the bound key.
  const PrivateKey thief = PrivateKey::generate(algorithm());
  expect_rejected(crafted([](Json&, Json&) {}, &thief), ProofCheck::signature, "another signer");
  // Claims changed after signing.
  const std::string text = proof();
  auto decoded = decode_compact(text);
  decoded->payload["htm"] = "delete";
  const auto first = text.find('.');
  const auto second = text.find('.', first + 1);
  expect_rejected(text.substr(0, first + 1) + encoding::base64url_encode(decoded->payload.dump()) + text.substr(second),
                  ProofCheck::signature, "claims swapped");
}

TEST_P(ProofTest, BindingTokenActionResource) {
  // A valid proof by a key the mandate is not bound to: someone else's proof.
  const PrivateKey other = PrivateKey::generate(algorithm());
  expect_rejected(make_proof(other, kToken, kAction, kResource, test_now()), ProofCheck::binding, "someone else's key");
  expect_rejected(make_proof(key, "another.token.x", kAction, kResource, test_now()), ProofCheck::token, "other token");
  expect_rejected(make_proof(key, kToken, "rollback", kResource, test_now()), ProofCheck::htm, "other action");
  expect_rejected(make_proof(key, kToken, "DEPLOY", kResource, test_now()), ProofCheck::htm, "case differs");
  expect_rejected(make_proof(key, kToken, kAction, std::string(kResource) + "/", test_now()), ProofCheck::htu,
                  "other resource");
}

TEST_P(ProofTest, Freshness) {
  const std::string text = proof();
  EXPECT_TRUE(verify(text, test_now() + std::chrono::seconds(65)).has_value());
  expect_rejected(text, ProofCheck::freshness, "too old", test_now() + std::chrono::seconds(65) + std::chrono::microseconds(1));
  EXPECT_TRUE(verify(text, test_now() - std::chrono::seconds(5)).has_value());
  expect_rejected(text, ProofCheck::freshness, "from the future", test_now() - std::chrono::seconds(6));
}

INSTANTIATE_TEST_SUITE_P(Both, ProofTest,
                         ::testing::Combine(::testing::Values(Algorithm::EdDSA, Algorithm::ES256), ::testing::Bool()),
                         [](const auto& param_info) {
                           return std::string(to_string(std::get<0>(param_info.param))) +
                                  (std::get<1>(param_info.param) ? "_registered" : "_parsed");
                         });

TEST(RegisteredKey, AnotherRegisteredKeyDoesNotHelpAForeignProof) {
  const PrivateKey executor = PrivateKey::generate(Algorithm::ES256);
  const PrivateKey other = PrivateKey::generate(Algorithm::ES256);
  const std::string proof = make_proof(other, kToken, kAction, kResource, test_now());
  ProofOptions options{test_now()};
  options.registered_key = executor.public_key();
  auto result = verify_proof(proof, kToken, executor.public_key().thumbprint(), kAction, kResource, options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().check, ProofCheck::binding);
  // Registered key of the other type than the proof's: parsed as usual.
  options.registered_key = PrivateKey::generate(Algorithm::EdDSA).public_key();
  auto parsed = verify_proof(make_proof(executor, kToken, kAction, kResource, test_now()), kToken,
                             executor.public_key().thumbprint(), kAction, kResource, options);
  EXPECT_TRUE(parsed.has_value());
}

// RFC 9449 as written: htm is the HTTP method and htu the request URI,
// compared after normalisation, query and fragment ignored (§4.3).
TEST(HttpProfile, BindsTheProofToTheHttpRequest) {
  const PrivateKey executor = PrivateKey::generate(Algorithm::EdDSA);
  const std::string jkt = executor.public_key().thumbprint();
  ProofOptions options{test_now()};
  options.profile = ProofProfile::http;
  const std::string proof = make_proof(executor, kToken, "POST", "https://api.example.com/deploy", test_now());
  EXPECT_TRUE(verify_proof(proof, kToken, jkt, "POST", "https://api.example.com/deploy", options).has_value());
  for (const char* same : {"https://API.Example.com:443/deploy?x=1", "HTTPS://api.example.com/deploy#frag",
                           "https://api.example.com/%64eploy"}) {
    EXPECT_TRUE(verify_proof(proof, kToken, jkt, "POST", same, options).has_value()) << same;
  }
  auto other_method = verify_proof(proof, kToken, jkt, "GET", "https://api.example.com/deploy", options);
  ASSERT_FALSE(other_method.has_value());
  EXPECT_EQ(other_method.error().check, ProofCheck::htm);
  for (const char* other : {"https://api.example.com/deploy/", "http://api.example.com/deploy",
                            "https://api.example.com:8443/deploy", "https://evil.example.com/deploy"}) {
    auto result = verify_proof(proof, kToken, jkt, "POST", other, options);
    ASSERT_FALSE(result.has_value()) << other;
    EXPECT_EQ(result.error().check, ProofCheck::htu) << other;
  }
  // A proof in the action profile is not a proof of an HTTP request.
  const std::string action_proof = make_proof(executor, kToken, "deploy", "prod/payments", test_now());
  auto mixed = verify_proof(action_proof, kToken, jkt, "deploy", "prod/payments", options);
  ASSERT_FALSE(mixed.has_value());
  EXPECT_EQ(mixed.error().check, ProofCheck::htu);
}

TEST(HttpProfile, NormalisesAsRfc3986) {
  EXPECT_EQ(normalize_http_uri("HTTPS://Example.COM"), "https://example.com/");
  EXPECT_EQ(normalize_http_uri("http://example.com:80/a?b#c"), "http://example.com/a");
  EXPECT_EQ(normalize_http_uri("https://example.com:8443/a%2fb%7e"), "https://example.com:8443/a%2Fb~");
  EXPECT_EQ(normalize_http_uri("https://[::1]:443/x"), "https://[::1]/x");
  for (const char* bad : {"", "deploy", "ftp://example.com/", "https:///x", "https://user@example.com/",
                          "https://example.com/%zz", "https://example.com/a b", "https://example.com:x/"}) {
    EXPECT_FALSE(normalize_http_uri(bad).has_value()) << bad;
  }
}

// Found by src/identity/fuzz/jwt_fuzz, whose invariant is that a normalised
// URI normalises to itself: "h:8443:" was read as host "h:8443" with an
// empty port (and printed as a port that does not normalise again), and a
// host's percent-encoded letters were decoded after lower-casing.
TEST(HttpProfile, NormalisingIsIdempotent) {
  EXPECT_EQ(normalize_http_uri("https://example.com:/x"), "https://example.com/x");  // an empty port is no port
  for (const char* bad : {"https://example.com:8443:/x", "HTTPS://Deploy.example:4spiffe://x", "https://a:b:/x",
                          "https://[::1]x:1/"}) {
    EXPECT_FALSE(normalize_http_uri(bad).has_value()) << bad;
  }
  EXPECT_EQ(normalize_http_uri("https://%41PI.Example%2eCOM/%41"), "https://api.example.com/A");
  EXPECT_EQ(normalize_http_uri("https://a%C3%A9.example/"), "https://a%C3%A9.example/");
  for (const char* uri : {"https://%41PI.Example/x", "http://[::1]:8080/%7e%2f", "https://a%C3%A9.example:443/"}) {
    const auto once = normalize_http_uri(uri);
    ASSERT_TRUE(once) << uri;
    EXPECT_EQ(normalize_http_uri(*once), once) << uri;
  }
}

TEST(ProofCheckNames, AreStable) {
  EXPECT_EQ(to_string(ProofCheck::missing), "missing");
  EXPECT_EQ(to_string(ProofCheck::binding), "binding");
  EXPECT_EQ(to_string(ProofCheck::freshness), "freshness");
  EXPECT_EQ(to_string(ProofCheck::htm), "htm");
  EXPECT_EQ(to_string(ProofCheck::htu), "htu");
}

TEST(AccessTokenHash, IsBase64urlSha256) {
  // RFC 9449 §7.1's example: the ath of its access token.
  EXPECT_EQ(access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

}  // namespace
}  // namespace mandate::token
