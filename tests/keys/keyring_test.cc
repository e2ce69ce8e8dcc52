#include "keys/keyring.h"

#include <set>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "keys/jwk.h"
#include "keys/key_file_name.h"
#include "test_support.h"

namespace mandate::keys {
namespace {

using testing::TempDir;

Keyring must(std::expected<Keyring, std::string> keyring) {
  if (!keyring) throw std::runtime_error(keyring.error());
  return std::move(*keyring);
}

// Sets the process umask for one scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t previous_;
};

TEST(Keyring, CreateThenOpenFindsTheSameActiveKey) {
  TempDir home;
  const auto dir = home.path() / "keys";
  const Keyring created = must(Keyring::create(dir));
  const Keyring opened = must(Keyring::open(dir));

  EXPECT_EQ(opened.active().kid(), created.active().kid());
  EXPECT_EQ(opened.active().public_key(), created.active().public_key());
  EXPECT_EQ(opened.active().kid(), jwk_thumbprint(opened.active().public_key()));

  const auto signature = opened.active().sign("deploy payments v42");
  EXPECT_TRUE(crypto::ed25519_verify(created.active().public_key(), "deploy payments v42", signature));

  const auto keys = opened.list();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, created.active().kid());
  EXPECT_TRUE(keys[0].active);
  EXPECT_EQ(keys[0].sequence, 1u);
  const auto now = std::chrono::system_clock::now();
  EXPECT_LE(keys[0].created, now);
  EXPECT_GT(keys[0].created, now - std::chrono::minutes(5));
}

TEST(Keyring, KeyFileIsNamedByTimeSequenceAndKid) {
  TempDir home;
  const auto dir = home.path() / "keys";
  const Keyring keyring = must(Keyring::create(dir));
  const auto names = testing::file_names(dir);
  ASSERT_EQ(names.size(), 1u);
  const auto name = KeyFileName::parse(names[0]);
  ASSERT_TRUE(name.has_value()) << names[0];
  EXPECT_EQ(name->kid, keyring.active().kid());
  EXPECT_EQ(name->sequence, 1u);
  EXPECT_EQ(name->created, keyring.list()[0].created);
  EXPECT_TRUE(testing::read_file(dir / names[0]).starts_with("-----BEGIN PRIVATE KEY-----\n"));
}

TEST(Keyring, ModesAreExactWhateverTheUmask) {
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    TempDir home;
    const auto dir = home.path() / "keys";
    {
      const ScopedUmask scoped(mask);
      Keyring keyring = must(Keyring::create(dir));
      EXPECT_TRUE(keyring.rotate().has_value());
    }
    EXPECT_EQ(testing::permission_bits(dir), 0700u) << "umask " << mask;
    const auto names = testing::file_names(dir);
    ASSERT_EQ(names.size(), 2u);
    for (const auto& name : names) EXPECT_EQ(testing::permission_bits(dir / name), 0600u) << name << " umask " << mask;
  }
}

TEST(Keyring, RotateMakesANewActiveKeyAndKeepsTheOld) {
  TempDir home;
  const auto dir = home.path() / "keys";
  Keyring keyring = must(Keyring::create(dir));
  const std::string old_kid = keyring.active().kid();
  const auto old_public = keyring.active().public_key();
  const auto old_signature = keyring.active().sign("approved change 7");

  const auto new_kid = keyring.rotate();
  ASSERT_TRUE(new_kid.has_value()) << new_kid.error();
  EXPECT_NE(*new_kid, old_kid);
  EXPECT_EQ(keyring.active().kid(), *new_kid);

  // The old key still verifies what it signed.
  const auto found = keyring.find(old_kid);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, old_public);
  EXPECT_TRUE(crypto::ed25519_verify(*found, "approved change 7", old_signature));
  EXPECT_FALSE(keyring.find("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k").has_value());

  const auto keys = keyring.list();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, old_kid);
  EXPECT_FALSE(keys[0].active);
  EXPECT_EQ(keys[1].kid, *new_kid);
  EXPECT_TRUE(keys[1].active);
  EXPECT_EQ(keys[1].sequence, 2u);

  // And so after reopening.
  const Keyring reopened = must(Keyring::open(dir));
  EXPECT_EQ(reopened.active().kid(), *new_kid);
  EXPECT_TRUE(reopened.find(old_kid).has_value());
  EXPECT_EQ(reopened.list().size(), 2u);
}

TEST(Keyring, CreationOrderIsTheSequenceNotTheClock) {
  TempDir home;
  const auto dir = home.path() / "keys";
  Keyring keyring = must(Keyring::create(dir));
  ASSERT_TRUE(keyring.rotate().has_value());
  const std::string newest = keyring.active().kid();
  // Pretend the clock stepped back a year before the second key was made.
  for (const auto& file_name : testing::file_names(dir)) {
    auto name = *KeyFileName::parse(file_name);
    if (name.sequence != 2) continue;
    name.created -= std::chrono::days(365);
    std::filesystem::rename(dir / file_name, dir / name.to_string());
  }
  EXPECT_EQ(must(Keyring::open(dir)).active().kid(), newest);
}

TEST(Keyring, RotateNumbersAfterKeysAnotherProcessAdded) {
  TempDir home;
  const auto dir = home.path() / "keys";
  Keyring first = must(Keyring::create(dir));
  Keyring second = must(Keyring::open(dir));
  ASSERT_TRUE(first.rotate().has_value());
  const auto latest = second.rotate();
  ASSERT_TRUE(latest.has_value()) << latest.error();

  const Keyring reopened = must(Keyring::open(dir));
  EXPECT_EQ(reopened.list().size(), 3u);
  EXPECT_EQ(reopened.active().kid(), *latest);
  EXPECT_EQ(reopened.list().back().sequence, 3u);
}

TEST(Keyring, JwksHoldsPublicMembersOnlyAndKidsAreThumbprints) {
  TempDir home;
  Keyring keyring = must(Keyring::create(home.path() / "keys"));
  ASSERT_TRUE(keyring.rotate().has_value());
  ASSERT_TRUE(keyring.rotate().has_value());

  const nlohmann::json jwks = keyring.jwks();
  ASSERT_TRUE(jwks.is_object());
  EXPECT_EQ(jwks.size(), 1u);
  ASSERT_TRUE(jwks["keys"].is_array());
  ASSERT_EQ(jwks["keys"].size(), 3u);

  const std::set<std::string> allowed{"kty", "crv", "x", "kid", "alg", "use"};
  std::set<std::string> kids;
  for (const auto& jwk : jwks["keys"]) {
    for (const auto& [member, value] : jwk.items()) EXPECT_TRUE(allowed.contains(member)) << member;
    EXPECT_FALSE(jwk.contains("d"));
    EXPECT_EQ(jwk["alg"], "EdDSA");
    EXPECT_EQ(jwk["use"], "sig");
    const auto key = public_key_from_jwk(jwk);
    ASSERT_TRUE(key.has_value()) << key.error();
    EXPECT_EQ(jwk["kid"], jwk_thumbprint(*key));
    EXPECT_EQ(keyring.find(jwk["kid"].get<std::string>()), *key);
    kids.insert(jwk["kid"].get<std::string>());
  }
  EXPECT_EQ(kids.size(), 3u);

  // The same holds for what list() reports.
  for (const auto& info : keyring.list()) {
    EXPECT_FALSE(info.public_jwk.contains("d"));
    EXPECT_EQ(info.public_jwk["kid"], info.kid);
  }
}

TEST(Keyring, LeftoverTemporaryFileIsIgnored) {
  TempDir home;
  const auto dir = home.path() / "keys";
  const std::string kid = must(Keyring::create(dir)).active().kid();
  testing::write_file(dir / ".tmp-0123456789abcdef", "half-written");
  const auto opened = Keyring::open(dir);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  EXPECT_EQ(opened->active().kid(), kid);
}

TEST(Keyring, CreateRefusesAnExistingDirectory) {
  TempDir home;
  const auto dir = home.path() / "keys";
  std::filesystem::create_directory(dir);
  const auto created = Keyring::create(dir);
  ASSERT_FALSE(created.has_value());
  EXPECT_NE(created.error().find(dir.string()), std::string::npos) << created.error();
  EXPECT_NE(created.error().find("already exists"), std::string::npos) << created.error();
  EXPECT_TRUE(testing::file_names(dir).empty());
}

TEST(Keyring, CreateRefusesAMissingParentAndLeavesNothing) {
  TempDir home;
  const auto dir = home.path() / "no-such-home" / "keys";
  const auto created = Keyring::create(dir);
  ASSERT_FALSE(created.has_value());
  EXPECT_NE(created.error().find(dir.string()), std::string::npos) << created.error();
  EXPECT_FALSE(std::filesystem::exists(home.path() / "no-such-home"));
}

TEST(Keyring, RelativePathIsResolvedOnce) {
  TempDir home;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(home.path());
  const auto created = Keyring::create("keys");
  std::filesystem::current_path(previous);
  ASSERT_TRUE(created.has_value()) << created.error();
  EXPECT_EQ(created->directory(), home.path() / "keys");
}

}  // namespace
}  // namespace mandate::keys
