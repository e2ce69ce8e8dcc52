// decode_compact's strictness: what a compact JWS may look like.
#include <gtest/gtest.h>

#include "encoding/base64.h"
#include "token/jws.h"

namespace mandate::token {
namespace {

std::string b64(std::string_view text) { return encoding::base64url_encode(text); }

std::string jws(std::string_view header, std::string_view payload, std::string_view signature = "sig") {
  return b64(header) + "." + b64(payload) + "." + b64(signature);
}

TEST(DecodeCompact, ReadsHeaderPayloadAndSigningInput) {
  const std::string text = jws(R"({"alg":"EdDSA","typ":"at+jwt"})", R"({"sub":"x"})");
  auto decoded = decode_compact(text);
  ASSERT_TRUE(decoded.has_value()) << decoded.error();
  EXPECT_EQ(decoded->algorithm, Algorithm::EdDSA);
  EXPECT_EQ(decoded->header["typ"], "at+jwt");
  EXPECT_EQ(decoded->payload["sub"], "x");
  EXPECT_EQ(decoded->signing_input, text.substr(0, text.rfind('.')));
  EXPECT_EQ(decoded->signature, "sig");
}

TEST(DecodeCompact, RefusesTheWrongShape) {
  const std::string header = b64(R"({"alg":"EdDSA"})");
  const std::string payload = b64(R"({"sub":"x"})");
  const std::string cases[] = {
      "",
      header,
      header + "." + payload,
      header + "." + payload + ".c2ln.c2ln",
      "." + payload + ".c2ln",
      header + "..c2ln",
      header + "=." + payload + ".c2ln",           // padding
      header + "." + payload + ".c2ln=",           // padding
      header + "." + payload + ".c2l+",            // base64, not base64url
      header + " ." + payload + ".c2ln",           // whitespace
      b64("[1]") + "." + payload + ".c2ln",        // header not an object
      header + "." + b64("[1]") + ".c2ln",         // payload not an object
      header + "." + b64("{\"a\":1,\"a\":2}") + ".c2ln",  // duplicate member
      header + "." + b64("{\"a\":\"\xff\"}") + ".c2ln",   // invalid UTF-8
      header + "." + b64("{\"a\":1} x") + ".c2ln",  // trailing text
      b64(R"({"alg":"EdDSA","crit":["exp"],"exp":1})") + "." + payload + ".c2ln",
      b64(R"({"typ":"JWT"})") + "." + payload + ".c2ln",
      b64(R"({"alg":["EdDSA"]})") + "." + payload + ".c2ln",
      header + "." + b64("{\"a\":\"" + std::string(kMaxCompactSize, 'x') + "\"}") + ".c2ln",
  };
  for (const std::string& text : cases) {
    auto decoded = decode_compact_checked(text);
    ASSERT_FALSE(decoded.has_value()) << text.substr(0, 200);
    EXPECT_EQ(decoded.error().fault, JwsFault::format) << decoded.error().message;
  }
}

TEST(DecodeCompact, RefusesEveryAlgorithmButEdDsaAndEs256) {
  for (const char* alg : {"none", "None", "NONE", "HS256", "RS256", "ES384", "ES256K", "Ed448", "ed25519", "eddsa", ""}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"("})";
    for (const std::string& text : {jws(header, "{}"), b64(header) + "." + b64("{}") + "."}) {
      auto decoded = decode_compact_checked(text);
      ASSERT_FALSE(decoded.has_value()) << alg;
      EXPECT_EQ(decoded.error().fault, JwsFault::algorithm) << alg;
    }
  }
  EXPECT_TRUE(decode_compact(jws(R"({"alg":"ES256"})", "{}")).has_value());
  // RFC 9864's fully-specified name for EdDSA over Ed25519 is the same algorithm.
  auto ed25519 = decode_compact_checked(jws(R"({"alg":"Ed25519"})", "{}"));
  ASSERT_TRUE(ed25519.has_value());
  EXPECT_EQ(ed25519->algorithm, Algorithm::EdDSA);
}

TEST(DecodeCompact, ErrorsDoNotQuoteTheInput) {
  const std::string secret = "s3cr3t-value";
  for (const std::string& text : {jws(R"({"alg":"EdDSA"})", "{\"" + secret + "\" " + secret + "}"),
                                  jws("{\"" + secret + "\":1,\"" + secret + "\":2}", "{}"),
                                  jws(R"({"alg":")" + secret + "\"}", "{}")}) {
    auto decoded = decode_compact(text);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error().find(secret), std::string::npos) << decoded.error();
  }
}

TEST(MediaType, ComparesAsRfc7515Says) {
  EXPECT_TRUE(media_type_is("at+jwt", "at+jwt"));
  EXPECT_TRUE(media_type_is("application/at+jwt", "at+jwt"));
  EXPECT_TRUE(media_type_is("AT+JWT", "at+jwt"));
  EXPECT_TRUE(media_type_is("Application/At+Jwt", "at+jwt"));
  EXPECT_FALSE(media_type_is("jwt", "at+jwt"));
  EXPECT_FALSE(media_type_is("application/", "at+jwt"));
  EXPECT_FALSE(media_type_is("text/at+jwt", "at+jwt"));
  EXPECT_FALSE(media_type_is("at+jwt ", "at+jwt"));
}

}  // namespace
}  // namespace mandate::token
