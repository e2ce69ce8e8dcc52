#include "encoding/url.h"

#include <gtest/gtest.h>

namespace mandate::encoding {
namespace {

TEST(PercentEncode, KeepsOnlyTheUnreservedCharacters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/c?d&e=f#g%"), "a%20b%2Fc%3Fd%26e%3Df%23g%25");
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(ChangeUrl, TheReferenceIsUrlEncodedIntoTheTemplate) {
  EXPECT_EQ(change_url("https://tickets.example/browse/{reference}?from=mandate", "CHG-1"),
            "https://tickets.example/browse/CHG-1?from=mandate");
  EXPECT_EQ(change_url("https://t.example/{reference}/{reference}", "a b/c?d&e#{reference}"),
            "https://t.example/a%20b%2Fc%3Fd%26e%23%7Breference%7D/a%20b%2Fc%3Fd%26e%23%7Breference%7D");
  EXPECT_EQ(change_url("https://t.example/fixed", "CHG-1"), "https://t.example/fixed");
}

}  // namespace
}  // namespace mandate::encoding
