// C2SP tlog-tiles paths and which tiles a tree holds, against the spec's
// own examples (https://c2sp.org/tlog-tiles).
#include <gtest/gtest.h>

#include <limits>

#include "ledger/tiles.h"

namespace mandate::ledger {
namespace {

TileId hashes(unsigned level, std::uint64_t index, unsigned width = kTileWidth) { return {false, level, index, width}; }
TileId bundle(std::uint64_t index, unsigned width = kTileWidth) { return {true, 0, index, width}; }

TEST(TilePaths, IndicesAreThreeDigitGroupsWithXBeforeAllButTheLast) {
  EXPECT_EQ(tile_index_path(1234067), "x001/x234/067");  // the spec's example
  EXPECT_EQ(tile_index_path(0), "000");
  EXPECT_EQ(tile_index_path(5), "005");
  EXPECT_EQ(tile_index_path(999), "999");
  EXPECT_EQ(tile_index_path(1000), "x001/000");
  EXPECT_EQ(tile_index_path(std::numeric_limits<std::uint64_t>::max()), "x018/x446/x744/x073/x709/x551/615");
}

TEST(TilePaths, FullAndPartialTilesAndBundles) {
  EXPECT_EQ(tile_path(hashes(0, 1234067)), "tile/0/x001/x234/067");
  EXPECT_EQ(tile_path(hashes(1, 1, 17)), "tile/1/001.p/17");
  EXPECT_EQ(tile_path(bundle(273, 112)), "tile/entries/273.p/112");
  EXPECT_EQ(tile_path(bundle(0)), "tile/entries/000");
}

TEST(TilePaths, ParsingGivesBackWhatWasEncoded) {
  for (const TileId& t : {hashes(0, 0), hashes(0, 1234067), hashes(63, 999, 1), hashes(2, 1000, 255), bundle(0, 1),
                          bundle(std::numeric_limits<std::uint64_t>::max()), bundle(70000 / 256, 70000 % 256)}) {
    const auto parsed = parse_tile_path(tile_path(t).substr(5));
    ASSERT_TRUE(parsed.has_value()) << tile_path(t) << ": " << parsed.error();
    EXPECT_EQ(*parsed, t) << tile_path(t);
  }
}

TEST(TilePaths, OnlyTheCanonicalSpellingIsAccepted) {
  const std::pair<const char*, const char*> refused[] = {
      {"0/1", "3 digits"},
      {"0/0001", "3 digits"},
      {"0/x000/001", "leading zero group"},
      {"0/x001", "3 digits"},
      {"0/001/x002", "3 digits"},
      {"0/y001/002", "x followed by 3 digits"},
      {"00/001", "leading zero"},
      {"64/000", "exceeds 63"},
      {"-1/000", "not a decimal"},
      {"data/000", "not a decimal"},
      {"0/000.p/0", "width \"0\""},
      {"0/000.p/256", "exceeds 255"},
      {"0/000.p/08", "leading zero"},
      {"0/000.p/", "not a decimal"},
      {"0/000/", "3 digits"},
      {"0/000.p", "3 digits"},
      {"entries", "missing"},
      {"entries/x018/x446/x744/x073/x709/x551/616", "exceeds 2^64"},
      {"", "not a decimal"},
  };
  for (const auto& [path, why] : refused) {
    const auto parsed = parse_tile_path(path);
    ASSERT_FALSE(parsed.has_value()) << path;
    EXPECT_NE(parsed.error().find(why), std::string::npos) << path << ": " << parsed.error();
  }
}

// "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
// partial level 0 tile of width 112, one full level 1 tile, one partial
// level 1 tile of width 17, and one partial level 2 tile of width 1."
TEST(TilesOfATree, TheSpecsTreeOf70000) {
  constexpr std::uint64_t size = 70000;
  EXPECT_TRUE(tile_within(hashes(0, 272), size));
  EXPECT_FALSE(tile_within(hashes(0, 273), size));
  EXPECT_TRUE(tile_within(hashes(0, 273, 112), size));
  EXPECT_FALSE(tile_within(hashes(0, 273, 113), size));
  EXPECT_TRUE(tile_within(hashes(1, 0), size));
  EXPECT_TRUE(tile_within(hashes(1, 1, 17), size));
  EXPECT_FALSE(tile_within(hashes(1, 1, 18), size));
  EXPECT_FALSE(tile_within(hashes(1, 1), size));
  EXPECT_TRUE(tile_within(hashes(2, 0, 1), size));
  EXPECT_FALSE(tile_within(hashes(2, 0, 2), size));
  EXPECT_FALSE(tile_within(hashes(3, 0, 1), size));
  EXPECT_TRUE(tile_within(bundle(273, 112), size));
  EXPECT_FALSE(tile_within(bundle(273), size));
}

// "a tree of size 256 will be represented by a full level 0 tile and a
// partial level 1 tile of width 1."
TEST(TilesOfATree, TheSpecsTreeOf256AndTheExtremes) {
  EXPECT_TRUE(tile_within(hashes(0, 0), 256));
  EXPECT_TRUE(tile_within(hashes(1, 0, 1), 256));
  EXPECT_FALSE(tile_within(hashes(1, 0, 2), 256));
  EXPECT_FALSE(tile_within(hashes(0, 0, 1), 0));
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  // No overflow: beyond every tree, however large the numbers.
  EXPECT_FALSE(tile_within(hashes(0, kMax), kMax));
  EXPECT_FALSE(tile_within(hashes(7, 1), kMax));
  EXPECT_TRUE(tile_within(hashes(7, 0, 255), kMax));
  EXPECT_FALSE(tile_within(hashes(8, 0, 1), kMax));
  EXPECT_FALSE(tile_within(hashes(63, 0, 1), kMax));
  EXPECT_FALSE(tile_within(bundle(kMax / 256), kMax));
}

}  // namespace
}  // namespace mandate::ledger
