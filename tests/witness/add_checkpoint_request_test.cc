// The add-checkpoint body: the spec's example parses, and the format a log
// writes round-trips.
#include "witness/add_checkpoint_request.h"

#include <gtest/gtest.h>

#include "encoding/base64.h"

namespace mandate::witness {
namespace {

// C2SP tlog-witness, "Example request body".
constexpr std::string_view kSpecExample =
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xe2\x80\x94 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";

TEST(AddCheckpointRequest, SpecExampleParsesAndRoundTrips) {
  auto request = parse_add_checkpoint(kSpecExample);
  ASSERT_TRUE(request) << request.error();
  EXPECT_EQ(request->old_size, 20852014u);
  ASSERT_EQ(request->proof.size(), 4u);
  EXPECT_EQ(encoding::base64_encode(request->proof[3]), "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=");
  EXPECT_TRUE(request->checkpoint.starts_with("example.com/behind-the-sofa\n20852163\n"));
  EXPECT_EQ(format_add_checkpoint(*request), kSpecExample);
}

TEST(AddCheckpointRequest, SixtyThreeProofLinesAreTheLimit) {
  const std::string line = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
  std::string body = "old 1\n";
  for (int i = 0; i < 63; ++i) body += line;
  EXPECT_TRUE(parse_add_checkpoint(body + "\nx\n"));
  auto refused = parse_add_checkpoint(body + line + "\nx\n");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("more than 63"), std::string::npos);
}

TEST(AddCheckpointRequest, SizesHaveOneEncoding) {
  EXPECT_TRUE(parse_add_checkpoint("old 0\n\nx\n"));
  EXPECT_TRUE(parse_add_checkpoint("old 18446744073709551615\n\nx\n"));
  for (std::string_view bad : {"old 00\n\nx\n", "old 18446744073709551616\n\nx\n", "old +1\n\nx\n", "old  1\n\nx\n",
                               "old 1 \n\nx\n", "old 0x1\n\nx\n", "old\n\nx\n", "old 1\r\n\r\nx\n"}) {
    EXPECT_FALSE(parse_add_checkpoint(bad)) << bad;
  }
}

TEST(AddCheckpointRequest, ProofLinesAreStrictBase64OfOneHash) {
  for (std::string_view bad : {"old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n\nx\n",  // unpadded
                               "old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpka==\n\nx\n",  // 31 bytes
                               "old 1\nAAAA\n\nx\n", "old 1\n PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\nx\n"}) {
    EXPECT_FALSE(parse_add_checkpoint(bad)) << bad;
  }
}

}  // namespace
}  // namespace mandate::witness
