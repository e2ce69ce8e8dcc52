#include "keys/jwk.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "encoding/hex.h"

namespace mandate::keys {
namespace {

// RFC 8037 Appendix A. The key is also RFC 8032 §7.1 TEST 1, whose secret key
// is 9d61b19d…7f60 and public key d75a9801…511a.
constexpr std::string_view kRfcD = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";  // A.1
constexpr std::string_view kRfcX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";  // A.1, A.2
constexpr std::string_view kRfcThumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";  // A.3
// A.4: JWS over the payload "Example of Ed25519 signing" with header {"alg":"EdDSA"}.
constexpr std::string_view kRfcSigningInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr std::string_view kRfcSignature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

crypto::Ed25519PrivateKey rfc_key() {
  const auto seed = encoding::base64url_decode(kRfcD);
  EXPECT_TRUE(seed.has_value());
  auto key = crypto::Ed25519PrivateKey::from_seed(*seed);
  EXPECT_TRUE(key.has_value()) << key.error();
  return std::move(*key);
}

TEST(Rfc8037, PublicKeyOfTheExampleKeyIsItsX) {
  const auto key = rfc_key();
  EXPECT_EQ(encoding::hex_encode(key.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(public_key_to_jwk(key.public_key()),
            nlohmann::json::parse(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"));
}

TEST(Rfc8037, ThumbprintOfTheExampleKey) {
  const auto parsed = public_key_from_jwk_text(R"({"kty":"OKP","crv":"Ed25519","x":")" + std::string(kRfcX) + "\"}");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(jwk_thumbprint(*parsed), kRfcThumbprint);
  EXPECT_EQ(jwk_thumbprint(rfc_key().public_key()), kRfcThumbprint);
  EXPECT_TRUE(looks_like_kid(kRfcThumbprint));
}

TEST(Rfc8037, SignatureOfTheExampleJwsMatchesByteForByte) {
  const std::string signing_input =
      encoding::base64url_encode(std::string_view(R"({"alg":"EdDSA"})")) + "." +
      encoding::base64url_encode(std::string_view("Example of Ed25519 signing"));
  ASSERT_EQ(signing_input, kRfcSigningInput);

  const auto key = rfc_key();
  const crypto::Ed25519Signature signature = key.sign(signing_input);
  EXPECT_EQ(encoding::base64url_encode(signature), kRfcSignature);
  const auto expected = encoding::base64url_decode(kRfcSignature);
  ASSERT_TRUE(expected.has_value());
  EXPECT_TRUE(std::ranges::equal(signature, *expected));
  EXPECT_TRUE(crypto::ed25519_verify(key.public_key(), signing_input, *expected));  // A.5
}

TEST(Jwk, RoundTripsAGeneratedKey) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const auto parsed = public_key_from_jwk(public_key_to_jwk(key.public_key()));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(*parsed, key.public_key());
}

TEST(Jwk, ThumbprintIgnoresOptionalMembersAndDependsOnX) {
  auto jwk = public_key_to_jwk(rfc_key().public_key());
  jwk["kid"] = "anything";
  jwk["alg"] = "EdDSA";
  jwk["use"] = "sig";
  const auto parsed = public_key_from_jwk(jwk);
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(jwk_thumbprint(*parsed), kRfcThumbprint);
  EXPECT_NE(jwk_thumbprint(crypto::Ed25519PrivateKey::generate().public_key()), kRfcThumbprint);
}

struct BadJwk {
  const char* name;
  const char* text;
  const char* reason;  // a part of the expected error
};

class JwkRefuses : public ::testing::TestWithParam<BadJwk> {};

TEST_P(JwkRefuses, WithAReason) {
  const auto parsed = public_key_from_jwk_text(GetParam().text);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find(GetParam().reason), std::string::npos) << parsed.error();
}

INSTANTIATE_TEST_SUITE_P(
    Strict, JwkRefuses,
    ::testing::Values(
        BadJwk{"NotAnObject", R"(["OKP"])", "JSON object"},
        BadJwk{"NotJson", R"({"kty":"OKP",)", "not valid JSON"},
        BadJwk{"DuplicateMember",
               R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","x":"AA"})",
               "not valid JSON"},
        BadJwk{"MissingKty", R"({"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})", "\"kty\""},
        BadJwk{"WrongKty", R"({"kty":"EC","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
               "expected \"OKP\""},
        BadJwk{"WrongCrv", R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
               "expected \"Ed25519\""},
        BadJwk{"CrvNotString", R"({"kty":"OKP","crv":1,"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
               "\"crv\""},
        BadJwk{"MissingX", R"({"kty":"OKP","crv":"Ed25519"})", "\"x\""},
        BadJwk{"PaddedX", R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="})",
               "base64url"},
        BadJwk{"StandardAlphabetX",
               R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo"})", "base64url"},
        BadJwk{"ShortX", R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"})",
               "31 bytes"},
        BadJwk{"LongX", R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURoA"})",
               "33 bytes"},
        BadJwk{"WrongAlg",
               R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"RS256"})",
               "\"alg\""},
        BadJwk{"WrongUse",
               R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"})",
               "\"use\""}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(Jwk, RefusesAPrivateJwkWithoutEchoingTheSecret) {
  const std::string text = R"({"kty":"OKP","crv":"Ed25519","d":")" + std::string(kRfcD) + R"(","x":")" +
                           std::string(kRfcX) + "\"}";
  const auto parsed = public_key_from_jwk_text(text);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find("private"), std::string::npos) << parsed.error();
  EXPECT_EQ(parsed.error().find(kRfcD), std::string::npos);
}

TEST(Jwk, LooksLikeKid) {
  EXPECT_FALSE(looks_like_kid(""));
  EXPECT_FALSE(looks_like_kid("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4"));   // 42
  EXPECT_FALSE(looks_like_kid("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k="));  // padded
  EXPECT_FALSE(looks_like_kid("kPrK/qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"));   // '/'
  EXPECT_FALSE(looks_like_kid("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4l"));   // non-zero trailing bits
}

}  // namespace
}  // namespace mandate::keys
