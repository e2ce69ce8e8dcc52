// Cross-checks with the OpenSSL command line, an implementation we did not
// write: its verifier accepts our signatures, its tools read our key files,
// and we read the key files it writes.
#include <gtest/gtest.h>

#include "keys/jwk.h"
#include "keys/key_file_name.h"
#include "keys/keyring.h"
#include "test_support.h"

namespace mandate::keys {
namespace {

using testing::TempDir;

class OpensslCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // A missing prerequisite fails: scripts/install-deps.sh installs openssl.
    if (!testing::have_openssl_cli()) GTEST_FAIL() << "the openssl command is not installed: run scripts/install-deps.sh";
  }

  std::string path(const char* name) const { return "'" + (work_.path() / name).string() + "'"; }

  TempDir work_;
};

TEST_F(OpensslCli, VerifiesTheActiveKeysSignatureAndRejectsATamperedMessage) {
  Keyring keyring = *Keyring::create(work_.path() / "keys");
  ASSERT_TRUE(keyring.rotate().has_value());  // sign with a key that is not the first
  const std::string message = R"({"task":"migrate orders db","approved_by":["alice","bob"]})";
  const auto signature = keyring.active().sign(message);

  testing::write_file(work_.path() / "pub.pem", crypto::ed25519_public_key_to_pem(keyring.active().public_key()), 0644);
  testing::write_file(work_.path() / "msg", message, 0644);
  testing::write_file(work_.path() / "sig",
                      std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()), 0644);
  const std::string verify = "openssl pkeyutl -verify -pubin -inkey " + path("pub.pem") + " -rawin -in " +
                             path("msg") + " -sigfile " + path("sig") + " >/dev/null 2>&1";
  EXPECT_EQ(testing::run(verify), 0);

  std::string tampered = message;
  tampered[10] ^= 0x01;
  testing::write_file(work_.path() / "msg", tampered, 0644);
  EXPECT_NE(testing::run(verify), 0);
}

TEST_F(OpensslCli, ReadsOurKeyFile) {
  const Keyring keyring = *Keyring::create(work_.path() / "keys");
  const auto names = testing::file_names(work_.path() / "keys");
  ASSERT_EQ(names.size(), 1u);
  const std::string key_file = "'" + (work_.path() / "keys" / names[0]).string() + "'";
  ASSERT_EQ(testing::run("openssl pkey -in " + key_file + " -pubout -out " + path("derived.pem") + " 2>/dev/null"), 0);
  EXPECT_EQ(testing::read_file(work_.path() / "derived.pem"),
            crypto::ed25519_public_key_to_pem(keyring.active().public_key()));
}

TEST_F(OpensslCli, OpensAKeyOpensslGenerated) {
  const auto dir = work_.path() / "keys";
  Keyring keyring = *Keyring::create(dir);
  ASSERT_EQ(testing::run("openssl genpkey -algorithm ed25519 -out " + path("ours.pem") + " 2>/dev/null"), 0);
  const std::string pem = testing::read_file(work_.path() / "ours.pem");
  const auto key = crypto::Ed25519PrivateKey::from_pem(pem);
  ASSERT_TRUE(key.has_value()) << key.error();
  const std::string kid = jwk_thumbprint(key->public_key());

  const KeyFileName name{keyring.list()[0].created, 2, kid, std::nullopt};
  testing::write_file(dir / name.to_string(), pem, 0600);
  const auto opened = Keyring::open(dir);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  EXPECT_EQ(opened->active().kid(), kid);
}

TEST_F(OpensslCli, RefusesAnX25519KeyFile) {
  const auto dir = work_.path() / "keys";
  Keyring keyring = *Keyring::create(dir);
  ASSERT_EQ(testing::run("openssl genpkey -algorithm x25519 -out " + path("x25519.pem") + " 2>/dev/null"), 0);
  const KeyFileName name{keyring.list()[0].created, 2, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", std::nullopt};
  testing::write_file(dir / name.to_string(), testing::read_file(work_.path() / "x25519.pem"), 0600);
  const auto opened = Keyring::open(dir);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().find(name.to_string()), std::string::npos) << opened.error();
  EXPECT_NE(opened.error().find("not an Ed25519 key"), std::string::npos) << opened.error();
}

}  // namespace
}  // namespace mandate::keys
