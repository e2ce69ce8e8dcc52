// A home: what init creates (and with which modes), what open refuses, and
// the strict config.toml.
#include "home/home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/error.h"
#include "support/files.h"

namespace mandate::home {
namespace {

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(HomeTest, InitCreatesAPrivateHomeThatOpensAgain) {
  const mandate::testing::TempDir tmp;
  const auto dir = tmp.path() / "home";
  {
    auto home = Home::init(dir, "example.com/mandate");
    EXPECT_EQ(home->config().origin, "example.com/mandate");
    EXPECT_EQ(home->ledger().size(), 0u);
    EXPECT_FALSE(home->sign_checkpoint().empty());
  }
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_TRUE(std::filesystem::exists(dir / "config.toml"));
  EXPECT_TRUE(std::filesystem::exists(dir / "mandate.db"));
  const auto reopened = Home::open(dir);
  EXPECT_EQ(reopened->config().origin, "example.com/mandate");
  EXPECT_EQ(reopened->verifiers().size(), 1u);
}

TEST(HomeTest, InitRefusesAnExistingHomeAndABadOrigin) {
  const mandate::testing::TempDir tmp;
  const auto dir = tmp.path() / "home";
  Home::init(dir, "example.com/mandate");
  EXPECT_THROW(Home::init(dir, "example.com/mandate"), Error);
  EXPECT_THROW(Home::init(tmp.path() / "other", "has space"), Error);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "other" / "config.toml")) << "a refused init leaves no home";
  EXPECT_THROW(Home::open(tmp.path() / "missing"), Error);
}

TEST(HomeConfig, IsReadStrictlyWithThePlaceOfAMistake) {
  const auto ok = parse_config("[ledger]\norigin = \"example.com/m\"\n[store]\nbackend = \"sqlite\"\npath = \"x.db\"\n", "config.toml");
  ASSERT_TRUE(ok.has_value()) << ok.error();
  EXPECT_EQ(ok->store.path, "x.db");
  const auto typo = parse_config("[ledger]\norigin = \"example.com/m\"\norign = \"x\"\n", "config.toml");
  ASSERT_FALSE(typo.has_value());
  EXPECT_NE(typo.error().find("config.toml:3:"), std::string::npos) << typo.error();
  EXPECT_FALSE(parse_config("[ledger]\norigin = 5\n", "config.toml").has_value());
  EXPECT_FALSE(parse_config("[ledger\n", "config.toml").has_value());
  EXPECT_FALSE(parse_config("[ledger]\norigin = \"a+b\"\n", "config.toml").has_value()) << "not a signed-note key name";
  // What render_config writes, parse_config reads back.
  const auto again = parse_config(render_config(*ok), "config.toml");
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->origin, ok->origin);
  EXPECT_EQ(again->store.path, ok->store.path);
}

}  // namespace
}  // namespace mandate::home
