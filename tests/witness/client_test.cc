// The log's side of C2SP tlog-witness: the add-checkpoint body it sends (the
// spec's example layout) and how it reads what a witness answers, including
// answers no conforming witness gives.
#include "witness/client.h"

#include <gtest/gtest.h>

#include "encoding/base64.h"
#include "witness/cosignature.h"

namespace mandate::witness {
namespace {

constexpr std::string_view kText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(WitnessClient, TheBodyIsOldSizeProofLinesABlankLineAndTheCheckpoint) {
  ledger::Hash a{};
  a.fill(0x3e);
  ledger::Hash b{};
  b.fill(0x8e);
  const std::string note = std::string(kText) + "\n\xe2\x80\x94 example.com/behind-the-sofa Az3g\n";
  EXPECT_EQ(add_checkpoint_body(20852014, {a, b}, note),
            "old 20852014\n" + encoding::base64_encode(std::span<const std::uint8_t>(a)) + "\n" +
                encoding::base64_encode(std::span<const std::uint8_t>(b)) + "\n\n" + note);
  EXPECT_EQ(add_checkpoint_body(0, {}, note), "old 0\n\n" + note);
}

TEST(WitnessClient, A200CarriesTheCosignatureLines) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const auto sig = cosign(kText, "w.example/w1", key, 1700000000);
  const std::string line = ledger::format_signed_note({std::string(kText), {sig}}).substr(kText.size() + 1);
  const auto answer = read_witness_answer(200, "text/plain", line, kText);
  ASSERT_EQ(answer.kind, WitnessAnswer::Kind::cosigned) << answer.why;
  ASSERT_EQ(answer.cosignatures.size(), 1u);
  EXPECT_TRUE(Cosigner::for_key("w.example/w1", key.public_key()).verify(kText, answer.cosignatures[0]));
}

TEST(WitnessClient, A409TellsTheWitnessSizeOnlyInItsOwnContentType) {
  const auto conflict = read_witness_answer(409, "text/x.tlog.size", "20852014\n", kText);
  ASSERT_EQ(conflict.kind, WitnessAnswer::Kind::conflict);
  EXPECT_EQ(conflict.witness_size, 20852014u);
  EXPECT_EQ(read_witness_answer(409, "text/plain", "20852014\n", kText).kind, WitnessAnswer::Kind::refused);
  EXPECT_EQ(read_witness_answer(409, "text/x.tlog.size", "20852014", kText).kind, WitnessAnswer::Kind::refused);
  EXPECT_EQ(read_witness_answer(409, "text/x.tlog.size", "-1\n", kText).kind, WitnessAnswer::Kind::refused);
  EXPECT_EQ(read_witness_answer(409, "text/x.tlog.size", "\n", kText).kind, WitnessAnswer::Kind::refused);
}

TEST(WitnessClient, AnythingElseIsARefusalThatSaysWhatTheWitnessAnswered) {
  const auto empty = read_witness_answer(200, "text/plain", "", kText);
  EXPECT_EQ(empty.kind, WitnessAnswer::Kind::refused);
  EXPECT_NE(empty.why.find("without signature lines"), std::string::npos);
  EXPECT_EQ(read_witness_answer(200, "text/plain", "— not base64!\n", kText).kind, WitnessAnswer::Kind::refused);
  const auto unprocessable = read_witness_answer(422, "text/plain", "consistency proof does not verify\n\x01", kText);
  EXPECT_EQ(unprocessable.kind, WitnessAnswer::Kind::refused);
  EXPECT_EQ(unprocessable.why, "answered 422: consistency proof does not verify");
}

TEST(WitnessClient, AnUnreachableWitnessIsSaidToBe) {
  WitnessClient client("http://127.0.0.1:1", std::chrono::milliseconds(500));  // nothing listens on port 1
  const auto answer = client.add_checkpoint(0, {}, std::string(kText) + "\n", kText);
  EXPECT_EQ(answer.kind, WitnessAnswer::Kind::unreachable);
  EXPECT_FALSE(answer.why.empty());
}

}  // namespace
}  // namespace mandate::witness
