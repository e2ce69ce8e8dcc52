#include "encoding/base64.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace mandate::encoding {
namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// RFC 4648 §10 test vectors.
struct Vector {
  std::string_view plain, std, url;
};
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    SCOPED_TRACE(std::string(v.plain));
    EXPECT_EQ(base64_encode(v.plain), v.std);
    EXPECT_EQ(base64url_encode(v.plain), v.url);
    EXPECT_EQ(base64_encode(std::span<const std::uint8_t>(bytes_of(v.plain))), v.std);
    const auto decoded = base64_decode(v.std);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes_of(v.plain));
    const auto decoded_url = base64url_decode(v.url);
    ASSERT_TRUE(decoded_url.has_value());
    EXPECT_EQ(*decoded_url, bytes_of(v.plain));
  }
}

TEST(Base64, AlphabetsDifferOnlyInTheLastTwoCharacters) {
  const Bytes data = {0xfb, 0xff, 0xbf, 0xfe};
  EXPECT_EQ(base64_encode(data), "+/+//g==");
  EXPECT_EQ(base64url_encode(data), "-_-__g");
  EXPECT_EQ(base64_decode("+/+//g==").value(), data);
  EXPECT_EQ(base64url_decode("-_-__g").value(), data);
  // Each decoder refuses the other alphabet's characters.
  EXPECT_FALSE(base64_decode("-_-__g==").has_value());
  EXPECT_FALSE(base64url_decode("+/+//g").has_value());
}

TEST(Base64, EveryByteValueRoundTrips) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)).value(), all);
  EXPECT_EQ(base64url_decode(base64url_encode(all)).value(), all);
}

TEST(Base64, RandomRoundTripsAndLengths) {
  std::mt19937_64 rng(20240601);
  for (std::size_t len = 0; len < 200; ++len) {
    Bytes data(len);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const std::string std_text = base64_encode(data);
    const std::string url_text = base64url_encode(data);
    SCOPED_TRACE(std_text);
    EXPECT_EQ(std_text.size(), (len + 2) / 3 * 4);
    EXPECT_EQ(url_text.size(), (len * 4 + 2) / 3);
    EXPECT_EQ(url_text.find('='), std::string::npos);
    EXPECT_EQ(base64_decode(std_text).value(), data);
    EXPECT_EQ(base64url_decode(url_text).value(), data);
  }
}

TEST(Base64, RejectsCharactersOutsideTheAlphabet) {
  for (const std::string_view bad :
       std::initializer_list<std::string_view>{"Zm9v\n", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\r\n", "Zm.v", "Zm9*", std::string_view("Zm\0v", 4),
        "Zm\xc3\xa9v", "Zm9\x80"}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RejectsBadPadding) {
  for (const std::string_view bad : {
           "Zg",        // padded form required
           "Zg=",       // one '=' short
           "Zg===",     // too many
           "Zm8",       // padded form required
           "Zm8==",     // too long
           "Z===",      // three pads
           "====",      // nothing but padding
           "=Zm8",      // pad in front
           "Zm=8",      // pad in the middle
           "Zg==Zg==",  // padding before more data
           "Zm9v=",     // pad after a full quantum
           "Zm9v====",  // a whole quantum of padding
       }) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
  // The unpadded alphabet takes no '=' at all.
  for (const std::string_view bad : {"Zg==", "Zm8=", "Zg=", "Zm9v="}) {
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RejectsNonZeroTrailingBits) {
  // "Zg==" is 'f' (0x66): 'g' = 32 = 100000; any of the low four bits set is
  // a second spelling of some byte.
  for (const std::string_view bad : {"Zh==", "Zi==", "Zj==", "Zv==", "Zm9=", "Zm+=", "Zm/="}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
  for (const std::string_view bad : {"Zh", "Zv", "Zm9", "Zm-", "Zm_"}) {
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  }
  // Only the canonical spelling decodes.
  EXPECT_EQ(base64_decode("Zm8=").value(), bytes_of("fo"));
  EXPECT_EQ(base64url_decode("Zm8").value(), bytes_of("fo"));
}

TEST(Base64, RejectsImpossibleLengths) {
  // A single character carries six bits: no whole byte.
  EXPECT_FALSE(base64url_decode("Z").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
  EXPECT_FALSE(base64_decode("Z").has_value());
  EXPECT_FALSE(base64_decode("Zm9vY").has_value());
  EXPECT_FALSE(base64_decode("Zm9vYmF").has_value());
  // Empty text is the empty byte string in both forms.
  EXPECT_EQ(base64_decode("").value(), Bytes{});
  EXPECT_EQ(base64url_decode("").value(), Bytes{});
}

TEST(Base64, ExhaustiveShortStringsDecodeOnlyInTheirCanonicalForm) {
  // Every string of up to three characters over a small alphabet that
  // decodes at all must re-encode to itself: one value, one encoding.
  const std::string alphabet = "AZaz09+/-_=gBQ";
  std::vector<std::string> texts = {""};
  for (int len = 1; len <= 4; ++len) {
    std::vector<std::string> next;
    for (const auto& t : texts) {
      for (const char c : alphabet) next.push_back(t + c);
    }
    for (const auto& t : next) {
      if (const auto d = base64_decode(t)) {
        EXPECT_EQ(base64_encode(*d), t);
      }
      if (const auto d = base64url_decode(t)) {
        EXPECT_EQ(base64url_encode(*d), t);
      }
    }
    texts = std::move(next);
  }
}

}  // namespace
}  // namespace mandate::encoding
