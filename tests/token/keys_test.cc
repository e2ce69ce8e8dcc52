// PublicKey and PrivateKey against the RFC examples (RFC 8037 Appendix A,
// RFC 7638 §3.1, RFC 7515 Appendix A.3) and their refusals.
#include <gtest/gtest.h>

#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/openssl_ptr.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "keys/jwk.h"
#include "keys/signing_key.h"
#include "token/jws.h"
#include "token/private_key.h"
#include "token/public_key.h"

namespace mandate::token {
namespace {

// RFC 8037 A.1 (private) and A.2 (public).
constexpr const char* kEdPrivateJwk =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr const char* kEdPublicJwk = R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
// RFC 8037 A.3.
constexpr const char* kEdThumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
// RFC 8037 A.4.
constexpr const char* kEdJws =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7515 A.3.
constexpr const char* kEcPublicJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr const char* kEcPrivateJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr const char* kEcJws =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

PublicKey public_jwk(const char* text) {
  auto key = PublicKey::from_jwk(std::string_view(text));
  EXPECT_TRUE(key.has_value()) << key.error();
  return std::move(*key);
}

TEST(Rfc8037, PublicKeyAndThumbprint) {
  const PublicKey key = public_jwk(kEdPublicJwk);
  EXPECT_EQ(key.algorithm(), Algorithm::EdDSA);
  EXPECT_EQ(key.thumbprint(), kEdThumbprint);
  EXPECT_EQ(key.jwk_json(), R"({"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
}

TEST(Rfc8037, PrivateKeyHasThePublicKeyOfA2) {
  auto key = PrivateKey::parse(kEdPrivateJwk);
  ASSERT_TRUE(key.has_value()) << key.error();
  EXPECT_EQ(key->public_key(), public_jwk(kEdPublicJwk));
}

TEST(Rfc8037, A4SignatureIsReproducedByteForByte) {
  auto key = PrivateKey::parse(kEdPrivateJwk);
  ASSERT_TRUE(key.has_value());
  const std::string jws = sign_compact(R"({"alg":"EdDSA"})", "Example of Ed25519 signing",
                                       [&](std::string_view input) { return key->sign(input); });
  EXPECT_EQ(jws, kEdJws);
}

TEST(Rfc8037, A4VerifiesAndAnyChangedByteDoesNot) {
  const PublicKey key = public_jwk(kEdPublicJwk);
  auto parts = split_compact(kEdJws);
  ASSERT_TRUE(parts.has_value()) << parts.error();
  EXPECT_EQ(parts->payload, "Example of Ed25519 signing");
  EXPECT_TRUE(key.verify(parts->signing_input, parts->signature));
  for (std::size_t i = 0; i < parts->signature.size(); ++i) {
    std::string bad = parts->signature;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(key.verify(parts->signing_input, bad)) << "byte " << i;
  }
  EXPECT_FALSE(key.verify(parts->signing_input + " ", parts->signature));
  EXPECT_FALSE(key.verify(parts->signing_input, parts->signature.substr(1)));
  // Its payload is text, not a claims set: decode_compact refuses it.
  EXPECT_FALSE(decode_compact(kEdJws).has_value());
}

TEST(Rfc7638, ThumbprintOfTheSection31Example) {
  // §3.1's RSA key reduced to its required members in canonical order (the
  // text §3.1 shows hashed). mandate takes no RSA keys, so this checks the
  // hashing and encoding step that PublicKey::thumbprint() uses.
  const std::string canonical =
      R"({"e":"AQAB","kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"})";
  EXPECT_EQ(jwk_thumbprint(canonical), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // And the RFC 8785 canonicalizer mandate uses elsewhere produces that text
  // from the JWK as §3.1 writes it (other order, extra members dropped).
  auto jwk = encoding::parse_json_strict(
      R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"})");
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ(encoding::canonicalize(*jwk).value(), canonical);
}

TEST(Rfc7515, A3Es256Verifies) {
  const PublicKey key = public_jwk(kEcPublicJwk);
  EXPECT_EQ(key.algorithm(), Algorithm::ES256);
  auto parts = split_compact(kEcJws);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->signature.size(), 64u);  // raw r||s, not DER
  EXPECT_TRUE(key.verify(parts->signing_input, parts->signature));
  std::string swapped = parts->signature.substr(32) + parts->signature.substr(0, 32);
  EXPECT_FALSE(key.verify(parts->signing_input, swapped));
  EXPECT_FALSE(public_jwk(kEdPublicJwk).verify(parts->signing_input, parts->signature));
}

TEST(Rfc7515, A3PrivateKeySignsWhatThePublicKeyVerifies) {
  auto key = PrivateKey::parse(kEcPrivateJwk);
  ASSERT_TRUE(key.has_value()) << key.error();
  EXPECT_EQ(key->public_key(), public_jwk(kEcPublicJwk));
  const std::string signature = key->sign("input");
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(key->public_key().verify("input", signature));
  EXPECT_FALSE(key->public_key().verify("other", signature));
}

class GeneratedKey : public ::testing::TestWithParam<Algorithm> {};

TEST_P(GeneratedKey, RoundTripsThroughPemAndJwk) {
  const PrivateKey key = PrivateKey::generate(GetParam());
  EXPECT_EQ(key.algorithm(), GetParam());
  auto again = PrivateKey::parse(key.to_pem());
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->public_key(), key.public_key());
  auto from_pem = PublicKey::parse(key.public_key().to_pem());
  ASSERT_TRUE(from_pem.has_value()) << from_pem.error();
  EXPECT_EQ(from_pem->thumbprint(), key.public_key().thumbprint());
  auto from_jwk = PublicKey::parse(key.public_key().jwk_json());
  ASSERT_TRUE(from_jwk.has_value()) << from_jwk.error();
  EXPECT_EQ(from_jwk->thumbprint(), key.public_key().thumbprint());
  EXPECT_EQ(key.public_key().thumbprint().size(), 43u);
  const std::string signature = key.sign("message");
  EXPECT_TRUE(from_pem->verify("message", signature));
  EXPECT_FALSE(PrivateKey::generate(GetParam()).public_key().verify("message", signature));
}

INSTANTIATE_TEST_SUITE_P(Both, GeneratedKey, ::testing::Values(Algorithm::EdDSA, Algorithm::ES256),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

TEST(PublicKey, FromTheKeyringHasTheKidAsThumbprint) {
  const keys::SigningKey signing(crypto::Ed25519PrivateKey::generate());
  const PublicKey key = PublicKey::from_signing_key(signing);
  EXPECT_EQ(key.thumbprint(), signing.kid());
  auto from_jwks_member = PublicKey::from_jwk(signing.public_jwk());
  ASSERT_TRUE(from_jwks_member.has_value()) << from_jwks_member.error();
  EXPECT_EQ(*from_jwks_member, key);
}

TEST(PublicKey, RefusesPrivateMaterialWithoutEchoingIt) {
  auto key = PublicKey::from_jwk(std::string_view(kEdPrivateJwk));
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().find("private"), std::string::npos);
  EXPECT_EQ(key.error().find("nWGxne"), std::string::npos);
  auto pem = PublicKey::parse(PrivateKey::generate(Algorithm::EdDSA).to_pem());
  EXPECT_FALSE(pem.has_value());
}

TEST(PublicKey, RefusesMalformedJwks) {
  const char* bad[] = {
      R"([])",
      R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",
      R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      R"({"kty":"OKP","crv":"Ed448","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      R"({"kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      R"({"kty":"OKP","crv":"Ed25519"})",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="})",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR"})",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"ES256"})",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"})",
      // The identity point, of small order: with R the identity and S = 0 it
      // would "verify" every message under OpenSSL 3.0.
      R"({"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
      // y = 0, a point of order 4.
      R"({"kty":"OKP","crv":"Ed25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
      // y = p (2^255 - 19), the non-canonical encoding of y = 0.
      R"({"kty":"OKP","crv":"Ed25519","x":"7f_______________________________________38"})",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      R"({"kty":"EC","crv":"P-384","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})",
      R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"})",
      // y changed in its last character: not on the curve.
      R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"})",
      R"({"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
      R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","alg":"EdDSA"})",
      "not json",
  };
  for (const char* text : bad) EXPECT_FALSE(PublicKey::parse(text).has_value()) << text;
}

// A key that verifies no signature is refused where it is given, with why:
// the identity point (of small order) as a JWK and as a PEM.
TEST(PublicKey, RefusesAnEd25519KeyOfSmallOrder) {
  for (const char* text : {R"({"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
                           "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n-----END PUBLIC KEY-----\n"}) {
    const auto key = PublicKey::parse(text);
    ASSERT_FALSE(key.has_value()) << text;
    EXPECT_NE(key.error().find("small order"), std::string::npos) << key.error();
  }
}

TEST(PrivateKey, RefusesMismatchedOrMissingPrivateParts) {
  // A.1's d with another public x.
  EXPECT_FALSE(PrivateKey::parse(
                   R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})")
                   .has_value());
  // A.3's EC key with another d.
  auto mismatched = PrivateKey::parse(
      R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"})");
  ASSERT_FALSE(mismatched.has_value());
  EXPECT_EQ(mismatched.error().find("nWGxne"), std::string::npos);
  EXPECT_FALSE(PrivateKey::parse(kEdPublicJwk).has_value());
  EXPECT_FALSE(PrivateKey::parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").has_value());
  EXPECT_FALSE(PrivateKey::parse("").has_value());
}

// PEM keys of other curves and types, made with OpenSSL for the test.
std::pair<std::string, std::string> foreign_pem(const char* type, const char* curve) {
  EVP_PKEY* raw = curve == nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type)
                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve);
  crypto::Pkey pkey(raw);
  crypto::Bio priv(BIO_new(BIO_s_mem()));
  crypto::Bio pub(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PrivateKey(priv.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  EXPECT_EQ(PEM_write_bio_PUBKEY(pub.get(), pkey.get()), 1);
  const auto text = [](BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
  };
  return {text(priv.get()), text(pub.get())};
}

TEST(Keys, RefuseOtherCurvesAndTypesInPem) {
  for (const auto& [type, curve] : {std::pair<const char*, const char*>{"EC", "P-384"},
                                    {"EC", "secp256k1"},  // 32-byte coordinates, another curve
                                    {"ED448", nullptr},
                                    {"X25519", nullptr}}) {
    const auto [private_pem, public_pem] = foreign_pem(type, curve);
    EXPECT_FALSE(PrivateKey::parse(private_pem).has_value()) << type << " " << (curve ? curve : "");
    EXPECT_FALSE(PublicKey::parse(public_pem).has_value()) << type << " " << (curve ? curve : "");
  }
}

}  // namespace
}  // namespace mandate::token
