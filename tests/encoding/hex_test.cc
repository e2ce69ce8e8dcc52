#include "encoding/hex.h"

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace mandate::encoding {
namespace {

using ByteVec = std::vector<std::uint8_t>;

TEST(Hex, EncodesLowercase) {
  EXPECT_EQ(hex_encode(ByteVec{}), "");
  EXPECT_EQ(hex_encode(ByteVec{0x00}), "00");
  EXPECT_EQ(hex_encode(ByteVec{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}), "0123456789abcdef");
  EXPECT_EQ(hex_encode(ByteVec{0xff, 0x0f, 0xf0}), "ff0ff0");
}

TEST(Hex, DecodesAndRoundTrips) {
  EXPECT_EQ(hex_decode("").value(), ByteVec{});
  EXPECT_EQ(hex_decode("0123456789abcdef").value(),
            (ByteVec{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}));
  std::mt19937_64 rng(7);
  for (std::size_t len = 0; len < 100; ++len) {
    ByteVec data(len);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const auto text = hex_encode(data);
    ASSERT_EQ(text.size(), 2 * len);
    EXPECT_EQ(hex_decode(text).value(), data);
  }
}

TEST(Hex, AcceptsUppercaseDigitsOnInput) {
  EXPECT_EQ(hex_decode("ABCDEF").value(), (ByteVec{0xab, 0xcd, 0xef}));
  EXPECT_EQ(hex_decode("aBcD").value(), (ByteVec{0xab, 0xcd}));
}

TEST(Hex, RejectsOddLengthAndNonHexCharacters) {
  for (const std::string_view bad : std::initializer_list<std::string_view>{"0", "abc", "0g", "g0", "0x00", " 00", "00 ", "0-", "zz", "\xff\xff",
                                     std::string_view("0\0", 2), "+1", "1/"}) {
    EXPECT_FALSE(hex_decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mandate::encoding
