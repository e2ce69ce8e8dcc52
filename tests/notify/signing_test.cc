// Standard Webhooks signatures: the reference libraries' published vector,
// and the secret's form.
#include <gtest/gtest.h>

#include "notify/internal/signing.h"

namespace mandate::notify {
namespace {

std::vector<std::uint8_t> key_of(std::string_view secret) { return parse_secret(secret).value(); }

// The vector the Standard Webhooks reference libraries test "sign" with
// (libraries/javascript/src/webhook.test.ts, and the same in the other
// languages): key, id, timestamp and body as published there.
TEST(Signing, MatchesTheReferenceLibrariesVector) {
  const auto key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Signing, CoversTheIdTheTimestampAndEveryByteOfTheBody) {
  const auto key = key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const std::string base = sign(key, "msg_1", 1700000000, R"({"a":1})");
  EXPECT_NE(sign(key, "msg_2", 1700000000, R"({"a":1})"), base);
  EXPECT_NE(sign(key, "msg_1", 1700000001, R"({"a":1})"), base);
  EXPECT_NE(sign(key, "msg_1", 1700000000, R"({"a":2})"), base);
  EXPECT_NE(sign(key, "msg_1", 1700000000, R"({"a":1} )"), base);
  EXPECT_NE(sign(key_of("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "msg_1", 1700000000, R"({"a":1})"), base);
}

TEST(Signing, ASecretIsWhsecAndBase64Of24To64Bytes) {
  EXPECT_EQ(key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").size(), 24u);
  EXPECT_EQ(key_of("whsec_" + std::string(86, 'A') + "==").size(), 64u);
  for (const std::string& bad : std::vector<std::string>{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",   // no prefix
                                                         "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa",  // 18 bytes
                                                         "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w",
                                                         "whsec_" + std::string(88, 'A') /* 66 bytes */, "whsec_"}) {
    const auto key = parse_secret(bad);
    ASSERT_FALSE(key) << bad;
    if (bad.size() > 10) {
      EXPECT_EQ(key.error().find(bad.substr(6, 10)), std::string::npos) << "the error quotes the secret: " << key.error();
    }
  }
}

}  // namespace
}  // namespace mandate::notify
