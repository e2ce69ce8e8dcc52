#include "keys/key_file_name.h"

#include <gtest/gtest.h>

namespace mandate::keys {
namespace {

using namespace std::chrono;

constexpr std::string_view kKid = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

TEST(KeyFileName, FormatsAndParsesBack) {
  const KeyFileName name{sys_days{2025y / March / 7} + 13h + 4min + 5s, 12, std::string(kKid), std::nullopt};
  const std::string text = name.to_string();
  EXPECT_EQ(text, "20250307T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem");
  EXPECT_EQ(KeyFileName::parse(text), name);
}

TEST(KeyFileName, KidMayContainDashes) {
  const std::string kid = "-PrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
  const KeyFileName name{sys_days{2024y / December / 31} + 23h + 59min + 59s, 1000000, kid, std::nullopt};
  const auto parsed = KeyFileName::parse(name.to_string());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->kid, kid);
  EXPECT_EQ(parsed->sequence, 1000000u);
}

TEST(KeyFileName, RefusesEveryOtherSpelling) {
  for (const std::string_view bad : {
           "",
           "notes.txt",
           "20250307T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.PEM",
           "20250307T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem.bak",
           "20250307T130405Z-12-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",       // unpadded sequence
           "20250307T130405Z-0000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",  // extra zero
           "20250307T130405Z-000000-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",   // sequence 0
           "20250307T130405Z-+00012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",
           "20250230T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",  // 30 February
           "20250307T240405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",  // hour 24
           "20250307T130460Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",  // second 60
           "20250307 130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",
           "2025-03-07T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",
           "20250307T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4.pem",  // short kid
           "20250307T130405Z-000012-kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4l.pem",  // not canonical base64url
           "20250307T130405Z-000012-kPrK/qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k.pem",
       }) {
    EXPECT_FALSE(KeyFileName::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mandate::keys
