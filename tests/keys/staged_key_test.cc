// Staged keys: a key written with an activation time verifies at once and
// signs only from that time on, so servers holding copies of one keyring
// switch together. And the swap a running server makes when it re-reads its
// keys directory: a refused directory leaves the keyring in use as it was.
#include <gtest/gtest.h>

#include "keys/key_file_name.h"
#include "keys/keyring.h"
#include "keys/shared_keyring.h"
#include "test_support.h"

namespace mandate::keys {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

std::chrono::sys_seconds now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

Keyring must(std::expected<Keyring, std::string> keyring) {
  if (!keyring) throw std::runtime_error(keyring.error());
  return std::move(*keyring);
}

KeyState state_of(const Keyring& keyring, const std::string& kid, std::chrono::sys_seconds at) {
  for (const KeyInfo& info : keyring.list(at)) {
    if (info.kid == kid) return info.state;
  }
  throw std::runtime_error("no key " + kid);
}

TEST(KeyFileName, AStagedNameRoundTripsAndAnActivationNotAfterCreationIsRefused) {
  const std::string kid(43, 'A');
  const std::string name = "20300102T030405Z-000002-" + kid + ".activates-20300102T040000Z.pem";
  const auto parsed = KeyFileName::parse(name);
  ASSERT_TRUE(parsed);
  ASSERT_TRUE(parsed->activates);
  EXPECT_EQ(parsed->to_string(), name);
  EXPECT_FALSE(KeyFileName::parse("20300102T030405Z-000002-" + kid + ".activates-20300102T030405Z.pem"));
  EXPECT_FALSE(KeyFileName::parse("20300102T030405Z-000002-" + kid + ".activates-20300102T020000Z.pem"));
  EXPECT_FALSE(KeyFileName::parse("20300102T030405Z-000002-" + kid + ".later-20300102T040000Z.pem"));
  EXPECT_FALSE(KeyFileName::parse("20300102T030405Z-000002-" + kid + ".activates-20300102T040000Z.pem.pem"));
}

TEST(StagedKey, VerifiesAtOnceButSignsOnlyFromItsActivation) {
  TempDir home;
  Keyring keyring = must(Keyring::create(home.path() / "keys"));
  const std::string old_kid = keyring.active().kid();
  const auto at = now() + 1h;
  const auto kid = keyring.rotate(at);
  ASSERT_TRUE(kid) << kid.error();

  // The same on disk as in memory: the activation lives in the file name.
  const Keyring reopened = must(Keyring::open(home.path() / "keys"));
  for (const Keyring* k : std::initializer_list<const Keyring*>{&keyring, &reopened}) {
    EXPECT_TRUE(k->find(*kid));  // verifies at once
    EXPECT_EQ(k->active(now()).kid(), old_kid);
    EXPECT_EQ(k->active(at - 1s).kid(), old_kid);
    EXPECT_EQ(k->active(at).kid(), *kid);
    EXPECT_EQ(state_of(*k, old_kid, now()), KeyState::active);
    EXPECT_EQ(state_of(*k, *kid, now()), KeyState::staged);
    EXPECT_EQ(state_of(*k, old_kid, at), KeyState::verify_only);
    EXPECT_EQ(state_of(*k, *kid, at), KeyState::active);
  }
  const auto listed = reopened.list(now());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1].activates, at);
  EXPECT_EQ(listed[0].superseded, at);  // the old key signs until then
  // A decision asks only the succession of its mandate's key: the same answer.
  for (const auto& info : listed) {
    const auto succession = reopened.succession(info.kid);
    ASSERT_TRUE(succession) << info.kid;
    EXPECT_EQ(succession->superseded, info.superseded) << info.kid;
  }
  EXPECT_FALSE(reopened.succession("no-such-kid"));
}

TEST(StagedKey, AnActivationInThePastIsAnImmediateRotation) {
  TempDir home;
  Keyring keyring = must(Keyring::create(home.path() / "keys"));
  const auto kid = keyring.rotate(now() - 1h);
  ASSERT_TRUE(kid);
  EXPECT_EQ(keyring.active().kid(), *kid);
  for (const auto& name : testing::file_names(home.path() / "keys")) {
    EXPECT_EQ(name.find(".activates-"), std::string::npos) << name;
  }
}

TEST(StagedKey, ANewerKeyActiveAtOnceOvertakesAStagedOne) {
  TempDir home;
  Keyring keyring = must(Keyring::create(home.path() / "keys"));
  const auto staged = keyring.rotate(now() + 1h);
  const auto immediate = keyring.rotate();
  ASSERT_TRUE(staged && immediate);
  EXPECT_EQ(keyring.active(now()).kid(), *immediate);
  EXPECT_EQ(keyring.active(now() + 2h).kid(), *immediate);  // the newest that may sign
  EXPECT_EQ(state_of(keyring, *staged, now()), KeyState::verify_only);
}

TEST(StagedKey, ADirectoryWithOnlyStagedKeysIsRefused) {
  TempDir home;
  Keyring keyring = must(Keyring::create(home.path() / "keys"));
  ASSERT_TRUE(keyring.rotate(now() + 1h));
  const auto copy = home.path() / "copy";
  std::filesystem::create_directory(copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  for (const auto& name : testing::file_names(home.path() / "keys")) {
    if (name.find(".activates-") != std::string::npos) std::filesystem::copy_file(home.path() / "keys" / name, copy / name);
  }
  const auto opened = Keyring::open(copy);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().find("staged"), std::string::npos) << opened.error();
}

TEST(SharedKeyring, AReloadPicksUpACopiedKeyFileAndKeepsSnapshotsAlive) {
  TempDir home;
  const auto dir = home.path() / "keys";
  SharedKeyring shared(must(Keyring::create(dir)));
  const auto before = shared.current();
  const std::string old_kid = before->active().kid();
  // Another process (another server's operator, or a copy) adds a key.
  Keyring other = must(Keyring::open(dir));
  const auto kid = other.rotate(now() + 1h);
  ASSERT_TRUE(kid);
  EXPECT_FALSE(shared.find(*kid));
  const auto reloaded = shared.reload();
  ASSERT_TRUE(reloaded) << reloaded.error();
  EXPECT_TRUE(*reloaded);
  EXPECT_TRUE(shared.find(*kid));
  EXPECT_EQ(shared.current()->active().kid(), old_kid);  // staged: verifies, does not sign yet
  EXPECT_EQ(before->list().size(), 1u);                   // an old snapshot is unchanged and alive
  const auto again = shared.reload();
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);  // nothing new
}

TEST(SharedKeyring, ARefusedDirectoryLeavesTheKeyringInUse) {
  TempDir home;
  const auto dir = home.path() / "keys";
  SharedKeyring shared(must(Keyring::create(dir)));
  const std::string old_kid = shared.current()->active().kid();
  testing::write_file(dir / "notes.txt", "not a key");
  const auto refused = shared.reload();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("notes.txt"), std::string::npos) << refused.error();
  EXPECT_EQ(shared.current()->active().kid(), old_kid);
  EXPECT_EQ(shared.list().size(), 1u);

  std::filesystem::remove(dir / "notes.txt");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_write);
  EXPECT_FALSE(shared.reload());
  EXPECT_EQ(shared.current()->active().kid(), old_kid);
}

}  // namespace
}  // namespace mandate::keys
