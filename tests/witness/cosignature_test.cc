// C2SP tlog-cosignature v1, checked against the spec's own example where it
// gives one (the timestamp encoding) and by construction elsewhere.
#include "witness/cosignature.h"

#include <gtest/gtest.h>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "ledger/note.h"

namespace mandate::witness {
namespace {

constexpr std::string_view kCheckpoint =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(Cosignature, TheSignedMessageIsTheSpecsTwoLinesThenTheCheckpoint) {
  EXPECT_EQ(cosigned_message(kCheckpoint, 1679315147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  EXPECT_EQ(cosigned_message("a\n", 0), "cosignature/v1\ntime 0\na\n");
}

TEST(Cosignature, TheSpecsExampleLineCarriesItsTimestampBigEndianAfterTheKeyId) {
  // tlog-cosignature.md's example cosignature, whose message shows "time 1679315147".
  const std::string note = std::string(kCheckpoint) +
                           "\n\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
  const auto parsed = ledger::parse_signed_note(note);
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->signatures.size(), 1u);
  const auto& bytes = parsed->signatures[0].signature;
  ASSERT_EQ(bytes.size(), 72u);
  std::uint64_t timestamp = 0;
  for (int i = 0; i < 8; ++i) timestamp = (timestamp << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(timestamp, 1679315147u);
}

TEST(Cosignature, KeyIdIsSha256OfNameNewlineType4AndKey) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  std::string preimage = "w.example/w1\n";
  preimage += '\x04';
  preimage.append(reinterpret_cast<const char*>(key.public_key().data()), 32);
  const auto digest = crypto::sha256(preimage);
  const std::uint32_t expected = (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
                                 (std::uint32_t{digest[2]} << 8) | digest[3];
  EXPECT_EQ(cosigner_key_id("w.example/w1", key.public_key()), expected);
  // Not the checkpoint-signature key ID of the same key (type 0x01).
  EXPECT_NE(cosigner_key_id("w.example/w1", key.public_key()), ledger::note_key_hash("w.example/w1", key.public_key()));
}

TEST(Cosignature, ACosignatureVerifiesWithItsTimestampAndNothingElseDoes) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const Cosigner cosigner = Cosigner::for_key("w.example/w1", key.public_key());
  const auto sig = cosign(kCheckpoint, "w.example/w1", key, 1700000000);
  ASSERT_TRUE(cosigner.matches(sig));
  const auto ts = cosigner.verify(kCheckpoint, sig);
  ASSERT_TRUE(ts) << ts.error();
  EXPECT_EQ(*ts, 1700000000u);

  std::string other_root(kCheckpoint);
  other_root[other_root.size() - 3] = 'A';
  EXPECT_FALSE(cosigner.verify(other_root, sig));

  auto later = sig;
  later.signature[7] = static_cast<char>(later.signature[7] + 1);  // claim another time
  EXPECT_FALSE(cosigner.verify(kCheckpoint, later));

  auto short_sig = sig;
  short_sig.signature.resize(64);  // a plain note signature's length
  EXPECT_FALSE(cosigner.verify(kCheckpoint, short_sig));

  const auto stranger = crypto::Ed25519PrivateKey::generate();
  const auto forged = cosign(kCheckpoint, "w.example/w1", stranger, 1700000000);
  EXPECT_FALSE(cosigner.matches(forged));
  EXPECT_FALSE(cosigner.verify(kCheckpoint, forged));
}

TEST(Cosignature, ALogsSignatureIsNotACosignature) {
  // The same key signing the plain checkpoint (type 0x01) must not count as
  // its cosignature: the key IDs differ and the message differs.
  const auto key = crypto::Ed25519PrivateKey::generate();
  const Cosigner cosigner = Cosigner::for_key("w.example/w1", key.public_key());
  auto plain = ledger::sign_note_text(kCheckpoint, "w.example/w1", key);
  EXPECT_FALSE(cosigner.matches(plain));
  plain.key_hash = cosigner.key_id;
  EXPECT_FALSE(cosigner.verify(kCheckpoint, plain));
}

TEST(Cosignature, VkeysRoundTripAndRejectOtherTypesAndWrongIds) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const Cosigner cosigner = Cosigner::for_key("w.example/w1", key.public_key());
  const std::string vkey = cosigner.to_string();
  const auto parsed = Cosigner::parse(vkey);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->key, cosigner.key);
  EXPECT_EQ(parsed->key_id, cosigner.key_id);
  EXPECT_EQ(parsed->name, "w.example/w1");

  const auto log_vkey = ledger::NoteVerifier::for_key("w.example/w1", key.public_key()).to_string();
  const auto as_cosigner = Cosigner::parse(log_vkey);
  ASSERT_FALSE(as_cosigner);
  EXPECT_NE(as_cosigner.error().find("0x04"), std::string::npos);

  std::string wrong_id = vkey;
  wrong_id[wrong_id.find('+') + 1] = wrong_id[wrong_id.find('+') + 1] == '0' ? '1' : '0';
  EXPECT_FALSE(Cosigner::parse(wrong_id));
  EXPECT_FALSE(Cosigner::parse("w.example/w1+zzzz"));
  EXPECT_FALSE(Cosigner::parse(""));
}

}  // namespace
}  // namespace mandate::witness
