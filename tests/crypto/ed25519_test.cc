// Ed25519 against RFC 8032 §7.1 (TEST 1 and TEST 3), PEM round trips, and
// every refusal a verifier owes: another message, key or signature, an S not
// reduced modulo the order, a key of small order.
#include "crypto/ed25519.h"

#include <gtest/gtest.h>

#include <vector>

#include "encoding/hex.h"

namespace mandate::crypto {
namespace {

std::vector<std::uint8_t> bytes(std::string_view hex) { return encoding::hex_decode(hex).value(); }

struct Rfc8032Case {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

constexpr Rfc8032Case kCases[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, Rfc8032Vectors) {
  for (const auto& c : kCases) {
    auto key = Ed25519PrivateKey::from_seed(bytes(c.secret));
    ASSERT_TRUE(key.has_value()) << key.error();
    EXPECT_EQ(encoding::hex_encode(key->public_key()), c.public_key);
    const auto message = bytes(c.message);
    const Ed25519Signature signature = key->sign(message);
    EXPECT_EQ(encoding::hex_encode(signature), c.signature);
    EXPECT_TRUE(ed25519_verify(key->public_key(), message, signature));
  }
}

TEST(Ed25519, RefusesAnotherMessageKeyOrSignature) {
  const auto key = Ed25519PrivateKey::generate();
  const auto other = Ed25519PrivateKey::generate();
  Ed25519Signature signature = key.sign("deploy payments");
  EXPECT_TRUE(ed25519_verify(key.public_key(), "deploy payments", signature));
  EXPECT_FALSE(ed25519_verify(key.public_key(), "deploy ledger", signature));
  EXPECT_FALSE(ed25519_verify(other.public_key(), "deploy payments", signature));
  signature[10] ^= 0x01;
  EXPECT_FALSE(ed25519_verify(key.public_key(), "deploy payments", signature));
  EXPECT_FALSE(ed25519_verify(key.public_key(), "deploy payments", std::span<const std::uint8_t>(signature).first(63)));
}

TEST(Ed25519, PemRoundTripsAndBadPemIsAnError) {
  const auto key = Ed25519PrivateKey::generate();
  const auto again = Ed25519PrivateKey::from_pem(key.to_pem());
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->public_key(), key.public_key());
  const auto public_key = ed25519_public_key_from_pem(ed25519_public_key_to_pem(key.public_key()));
  ASSERT_TRUE(public_key.has_value()) << public_key.error();
  EXPECT_EQ(*public_key, key.public_key());
  EXPECT_FALSE(Ed25519PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n").has_value());
  EXPECT_FALSE(ed25519_public_key_from_pem("").has_value());
  EXPECT_FALSE(Ed25519PrivateKey::from_seed(std::vector<std::uint8_t>(31, 1)).has_value()) << "a seed is 32 bytes";
}

// Verification is libsodium's, signing OpenSSL's: every signature OpenSSL
// makes verifies, and one bit off anywhere does not.
TEST(Ed25519, EverySignatureOpenSslMakesVerifiesAndNoAlteredOne) {
  for (int i = 0; i < 64; ++i) {
    const auto key = Ed25519PrivateKey::generate();
    const std::string message(static_cast<std::size_t>(i * 37), static_cast<char>('a' + i % 26));
    const Ed25519Signature signature = key.sign(message);
    ASSERT_TRUE(ed25519_verify(key.public_key(), message, signature)) << "message of " << message.size() << " bytes";
    Ed25519Signature altered = signature;
    altered[static_cast<std::size_t>(i)] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_FALSE(ed25519_verify(key.public_key(), message, altered)) << "bit " << i % 8 << " of byte " << i;
    Ed25519PublicKey other_key = key.public_key();
    other_key[static_cast<std::size_t>(i % 32)] ^= 0x04;
    EXPECT_FALSE(ed25519_verify(other_key, message, signature)) << "key byte " << i % 32;
  }
}

// RFC 8032 §5.1.7: S must be below the group order L. S + L verifies the
// same equation, so a verifier that skips the check accepts a second
// signature for every signature it has seen.
TEST(Ed25519, RefusesASignatureWhoseSIsNotReducedModuloTheOrder) {
  const auto& c = kCases[1];
  const auto key = Ed25519PrivateKey::from_seed(bytes(c.secret)).value();
  std::vector<std::uint8_t> signature = bytes(c.signature);
  const auto order = bytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");  // L, little-endian
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = signature[32 + i] + order[i] + carry;
    signature[32 + i] = static_cast<std::uint8_t>(sum & 0xff);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_FALSE(ed25519_verify(key.public_key(), bytes(c.message), signature));
}

// The identity point is a key of small order: with R the identity and S = 0
// the verification equation holds for every message, and OpenSSL 3.0 accepts
// it. No key made from a seed is of small order; libsodium refuses them.
TEST(Ed25519, AKeyOfSmallOrderVerifiesNothing) {
  Ed25519PublicKey identity{};
  identity[0] = 0x01;
  Ed25519Signature forged{};
  forged[0] = 0x01;
  EXPECT_FALSE(ed25519_verify(identity, "deploy payments", forged));
  EXPECT_FALSE(ed25519_verify(identity, "", forged));
}

}  // namespace
}  // namespace mandate::crypto
