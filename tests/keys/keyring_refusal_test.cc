// Keyring::open() refuses a keyring it cannot trust, naming the file and the
// reason, and never quoting key material.
#include <unistd.h>

#include <gtest/gtest.h>

#include "keys/key_file_name.h"
#include "keys/keyring.h"
#include "test_support.h"

namespace mandate::keys {
namespace {

using testing::TempDir;

constexpr std::string_view kOtherKid = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";  // RFC 8037's key

class KeyringRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Keyring::create(dir_);
    ASSERT_TRUE(created.has_value()) << created.error();
    ASSERT_TRUE(created->rotate().has_value());
    const auto names = testing::file_names(dir_);
    ASSERT_EQ(names.size(), 2u);
    key_file_ = dir_ / names[1];  // the active key
    pem_ = testing::read_file(key_file_);
  }

  // Opens the keyring expecting a refusal that mentions every one of `parts`.
  void expect_refusal(std::initializer_list<std::string_view> parts) const {
    const auto opened = Keyring::open(dir_);
    ASSERT_FALSE(opened.has_value()) << "opened a keyring that should be refused";
    const std::string& error = opened.error();
    for (const std::string_view part : parts) EXPECT_NE(error.find(part), std::string::npos) << error;
    EXPECT_EQ(error.find("BEGIN PRIVATE KEY"), std::string::npos) << error;
    for (const auto& line : testing::pem_body_lines(pem_)) EXPECT_EQ(error.find(line), std::string::npos) << error;
  }

  TempDir home_;
  std::filesystem::path dir_ = home_.path() / "keys";
  std::filesystem::path key_file_;
  std::string pem_;
};

TEST_F(KeyringRefusal, WorldReadableKeyFile) {
  ASSERT_EQ(::chmod(key_file_.c_str(), 0644), 0);
  expect_refusal({key_file_.string(), "0644", "group or others"});
}

TEST_F(KeyringRefusal, GroupReadableKeyFile) {
  ASSERT_EQ(::chmod(key_file_.c_str(), 0640), 0);
  expect_refusal({key_file_.string(), "0640"});
}

TEST_F(KeyringRefusal, GarbageUnderAKeyName) {
  testing::write_file(key_file_, "this is not a key\n");
  expect_refusal({key_file_.string(), "PKCS#8 PEM"});
}

TEST_F(KeyringRefusal, BrokenPemUnderAKeyName) {
  testing::write_file(key_file_, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  expect_refusal({key_file_.string(), "Ed25519 private key"});
}

TEST_F(KeyringRefusal, EncryptedPemIsRefusedNotPromptedFor) {
  testing::write_file(key_file_, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
  expect_refusal({key_file_.string(), "unencrypted PKCS#8"});
}

TEST_F(KeyringRefusal, OversizedFile) {
  testing::write_file(key_file_, std::string(100'000, 'A'));
  expect_refusal({key_file_.string(), "too large"});
}

TEST_F(KeyringRefusal, KeyFileOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file away needs root";
  ASSERT_EQ(::chown(key_file_.c_str(), 65534, 65534), 0);
  expect_refusal({key_file_.string(), "owned by uid 65534"});
}

TEST_F(KeyringRefusal, NameWithAnotherKeysKid) {
  auto name = *KeyFileName::parse(key_file_.filename().string());
  const std::string real_kid = name.kid;
  name.kid = kOtherKid;
  const auto renamed = dir_ / name.to_string();
  std::filesystem::rename(key_file_, renamed);
  expect_refusal({renamed.string(), real_kid, kOtherKid, "as its name says"});
}

TEST_F(KeyringRefusal, FileThatIsNotAKeyFile) {
  testing::write_file(dir_ / "notes.txt", "remember to rotate");
  expect_refusal({(dir_ / "notes.txt").string(), "not a key file"});
}

TEST_F(KeyringRefusal, SubdirectoryThatIsNotAKeyFile) {
  std::filesystem::create_directory(dir_ / "old");
  expect_refusal({(dir_ / "old").string(), "not a key file"});
}

TEST_F(KeyringRefusal, SymbolicLinkUnderAKeyName) {
  const auto target = home_.path() / "elsewhere.pem";
  std::filesystem::rename(key_file_, target);
  std::filesystem::create_symlink(target, key_file_);
  expect_refusal({key_file_.string(), "symbolic link"});
}

TEST_F(KeyringRefusal, TwoFilesWithOneSequenceNumber) {
  auto name = *KeyFileName::parse(key_file_.filename().string());
  name.sequence = 1;
  std::filesystem::rename(key_file_, dir_ / name.to_string());
  expect_refusal({"same sequence number 1"});
}

TEST_F(KeyringRefusal, OneKeyInTwoFiles) {
  auto name = *KeyFileName::parse(key_file_.filename().string());
  name.sequence = 3;
  testing::write_file(dir_ / name.to_string(), pem_);
  expect_refusal({"hold the same key"});
}

TEST_F(KeyringRefusal, DirectoryWritableByOthers) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  expect_refusal({dir_.string(), "writable by group or others"});
}

TEST_F(KeyringRefusal, EmptyDirectory) {
  for (const auto& name : testing::file_names(dir_)) std::filesystem::remove(dir_ / name);
  expect_refusal({dir_.string(), "holds no keys"});
}

TEST(KeyringOpen, RefusesAMissingDirectory) {
  TempDir home;
  const auto dir = home.path() / "keys";
  const auto opened = Keyring::open(dir);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find(dir.string()), std::string::npos) << opened.error();
  EXPECT_NE(opened.error().find("does not exist"), std::string::npos) << opened.error();
}

TEST(KeyringOpen, RefusesAFileWhereTheDirectoryShouldBe) {
  TempDir home;
  const auto dir = home.path() / "keys";
  testing::write_file(dir, "");
  const auto opened = Keyring::open(dir);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find("not a directory"), std::string::npos) << opened.error();
}

}  // namespace
}  // namespace mandate::keys
