// Seeded random mutation of valid tokens and proofs: verification never
// crashes, never throws, and never accepts a changed text.
#include <gtest/gtest.h>

#include <random>

#include "token/mandate_token.h"
#include "token/proof.h"
#include "token_fixtures.h"

namespace mandate::token {
namespace {

using namespace testing;

// One of several kinds of damage: a flipped bit, a replaced, inserted or
// deleted byte, a truncation, a duplicated or swapped slice.
std::string mutate(std::string text, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const int rounds = 1 + static_cast<int>(pick(3));
  for (int r = 0; r < rounds && !text.empty(); ++r) {
    const std::size_t at = pick(text.size());
    switch (pick(6)) {
      case 0: text[at] = static_cast<char>(text[at] ^ (1 << pick(8))); break;
      case 1: text[at] = static_cast<char>(pick(256)); break;
      case 2: text.insert(at, 1, "A._-=/+ \0"[pick(9)]); break;
      case 3: text.erase(at, 1 + pick(4)); break;
      case 4: text.resize(at); break;
      default: {
        const std::size_t len = 1 + pick(std::min<std::size_t>(32, text.size() - at));
        text.insert(pick(text.size()), text.substr(at, len));
      }
    }
  }
  return text;
}

TEST(Mutation, MandateTokensAreNeverAcceptedOnceChanged) {
  const keys::SigningKey issuer(crypto::Ed25519PrivateKey::generate());
  const PrivateKey executor = PrivateKey::generate(Algorithm::EdDSA);
  const std::string token = issue_mandate_token(sample_claims(executor.public_key()), issuer);
  const KeyLookup lookup = lookup_of({PublicKey::from_signing_key(issuer)});
  const VerifyOptions options = options_at(test_now());
  ASSERT_TRUE(verify_mandate_token(token, lookup, options).has_value());
  std::mt19937_64 rng(20261128);
  int checked = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string changed = mutate(token, rng);
    if (changed == token) continue;
    ++checked;
    std::expected<MandateClaims, TokenRejection> result;
    ASSERT_NO_THROW(result = verify_mandate_token(changed, lookup, options)) << "iteration " << i;
    ASSERT_FALSE(result.has_value()) << "iteration " << i << " accepted a changed token";
    EXPECT_FALSE(result.error().reason.empty());
  }
  EXPECT_GT(checked, 2900);
}

TEST(Mutation, ProofsAreNeverAcceptedOnceChanged) {
  for (const Algorithm algorithm : {Algorithm::EdDSA, Algorithm::ES256}) {
    const PrivateKey key = PrivateKey::generate(algorithm);
    const std::string proof = make_proof(key, "t.o.k", "deploy", "res", test_now());
    const ProofOptions options{test_now(), std::chrono::seconds{60}, std::chrono::seconds{5}};
    const std::string jkt = key.public_key().thumbprint();
    ASSERT_TRUE(verify_proof(proof, "t.o.k", jkt, "deploy", "res", options).has_value());
    std::mt19937_64 rng(algorithm == Algorithm::EdDSA ? 7 : 11);
    for (int i = 0; i < 1500; ++i) {
      const std::string changed = mutate(proof, rng);
      if (changed == proof) continue;
      std::expected<VerifiedProof, ProofRejection> result;
      ASSERT_NO_THROW(result = verify_proof(changed, "t.o.k", jkt, "deploy", "res", options)) << i;
      ASSERT_FALSE(result.has_value()) << "iteration " << i << " accepted a changed proof";
    }
  }
}

TEST(Mutation, RandomBytesAreRejected) {
  const KeyLookup lookup = lookup_of({});
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string text(std::uniform_int_distribution<std::size_t>(0, 400)(rng), '\0');
    for (char& c : text) c = static_cast<char>(rng());
    EXPECT_FALSE(verify_mandate_token(text, lookup, options_at(test_now())).has_value());
    EXPECT_FALSE(verify_proof(text, "t", "j", "a", "r", ProofOptions{test_now()}).has_value());
  }
}

}  // namespace
}  // namespace mandate::token
