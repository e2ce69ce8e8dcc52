// Mutated inputs to every parser of untrusted ledger input: each must
// return an error or a value, never crash, hang or throw something else.
// (A libFuzzer build needs clang, whose version here cannot compile the
// project's use of std::expected; these seeded mutations stand in.)
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/note.h"

namespace mandate::ledger {
namespace {

std::string mutate(std::string s, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> op(0, 4), byte(0, 255);
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0: if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8))); break;
      case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(byte(rng))); break;
      case 2: if (!s.empty()) s.erase(at, 1 + rng() % 4); break;
      case 3: s = s.substr(0, at); break;
      default: s.insert(at, s.substr(rng() % (s.size() + 1), rng() % 8)); break;
    }
  }
  return s;
}

class ParserRobustness : public ::testing::Test {
 protected:
  std::uint64_t seed = std::random_device{}();
  std::mt19937_64 rng{seed};
  static constexpr int kRounds = 20000;
};

TEST_F(ParserRobustness, JsonParserAndCanonicalizer) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::string valid =
      R"({"a":[1,2.5,-0,1e300,"\u00e9\ud83d\ude00"],"b":{"c":null,"d":true,"e":"x\n"},"f":9007199254740992})";
  for (int i = 0; i < kRounds; ++i) {
    const std::string input = mutate(valid, rng);
    auto parsed = encoding::parse_json_strict(input);
    if (parsed) {
      auto canonical = encoding::canonicalize(*parsed);
      if (canonical) {
        // Canonical text parses back to the same canonical text.
        auto again = encoding::parse_json_strict(*canonical);
        ASSERT_TRUE(again) << *canonical;
        const auto twice = encoding::canonicalize(*again);
        ASSERT_TRUE(twice) << "input " << input << "\ncanonical " << *canonical << "\nerror " << twice.error();
        ASSERT_EQ(*twice, *canonical);
      }
    } else {
      ASSERT_FALSE(parsed.error().empty());
    }
  }
}

TEST_F(ParserRobustness, SignedNotesCheckpointsAndVerifierKeys) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto key = crypto::Ed25519PrivateKey::generate();
  Checkpoint cp{"fuzz.example/log", 12345, {}, {}};
  cp.root.fill(7);
  const std::string note = sign_checkpoint(cp, key);
  const auto verifier = NoteVerifier::for_key("fuzz.example/log", key.public_key());
  const std::string vkey = verifier.to_string();
  int accepted = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string input = mutate(note, rng);
    auto opened = open_checkpoint(input, "fuzz.example/log", std::span(&verifier, 1));
    if (opened) {
      // Only changes outside the signed text and signature may pass.
      ASSERT_EQ(opened->size, cp.size);
      ASSERT_EQ(opened->root, cp.root);
      ++accepted;
    }
    (void)parse_checkpoint_body(mutate(cp.body(), rng));
    auto parsed_key = NoteVerifier::parse(mutate(vkey, rng));
    if (parsed_key) {
      ASSERT_TRUE(valid_key_name(parsed_key->name));
    }
    (void)encoding::base64_decode(mutate("AAECAwQFBgcICQ==", rng));
  }
  ASSERT_LT(accepted, kRounds / 10) << "mutations were accepted too often";
}

TEST_F(ParserRobustness, EntryIndexScanner) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  EntryDraft draft;
  draft.type = "operator.record";
  draft.actor = {"alice", "human", ""};
  draft.data = {{"index", 5}, {"refs", nlohmann::json::object()}};
  const std::string bytes = encode_entry(draft).value().bytes(42);
  ASSERT_EQ(entry_index(bytes), 42u);
  for (int i = 0; i < kRounds; ++i) (void)entry_index(mutate(bytes, rng));
}

}  // namespace
}  // namespace mandate::ledger
