// The log's side of C2SP tlog-witness: how it reads what a witness answers,
// including answers no conforming witness gives. (The request body it sends
// is format_add_checkpoint, tested with the witness's parser.)
#include "witness/client.h"

#include <gtest/gtest.h>

#include "witness/cosignature.h"

namespace mandate::witness {
namespace {

constexpr std::string_view kText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(WitnessClient, A200CarriesTheCosignatureLines) {
  const auto key = crypto::Ed25519PrivateKey::generate();
  const auto sig = cosign(kText, "w.example/w1", key, 1700000000);
  const std::string line = ledger::format_signed_note({std::string(kText), {sig}}).substr(kText.size() + 1);
  const auto answer = read_witness_answer(200, "text/plain", line, kText);
  ASSERT_EQ(answer.kind, CosignatureRequestResult::Kind::cosigned) << answer.why;
  ASSERT_EQ(answer.cosignatures.size(), 1u);
  EXPECT_TRUE(Cosigner::for_key("w.example/w1", key.public_key()).verify(kText, answer.cosignatures[0]));
}

TEST(WitnessClient, A409TellsTheWitnessSizeOnlyInItsOwnContentType) {
  const auto conflict = read_witness_answer(409, "text/x.tlog.size", "20852014\n", kText);
  ASSERT_EQ(conflict.kind, CosignatureRequestResult::Kind::conflict);
  EXPECT_EQ(conflict.witness_size, 20852014u);
  EXPECT_EQ(read_witness_answer(409, "text/plain", "20852014\n", kText).kind, CosignatureRequestResult::Kind::refused);
  EXPECT_EQ(read_witness_answer(409, "text/x.tlog.size", "20852014", kText).kind, CosignatureRequestResult::Kind::refused);
  EXPECT_EQ(read_witness_answer(409, "text/x.tlog.size", "-1\n", kText).kind, CosignatureRequestResult::Kind::refused);
  EXPECT_EQ(read_witness_answer(409, "text/x.tlog.size", "\n", kText).kind, CosignatureRequestResult::Kind::refused);
}

TEST(WitnessClient, AnythingElseIsARefusalThatSaysWhatTheCosignatureRequestResulted) {
  const auto empty = read_witness_answer(200, "text/plain", "", kText);
  EXPECT_EQ(empty.kind, CosignatureRequestResult::Kind::refused);
  EXPECT_NE(empty.why.find("without signature lines"), std::string::npos);
  EXPECT_EQ(read_witness_answer(200, "text/plain", "— not base64!\n", kText).kind, CosignatureRequestResult::Kind::refused);
  const auto unprocessable = read_witness_answer(422, "text/plain", "consistency proof does not verify\n\x01", kText);
  EXPECT_EQ(unprocessable.kind, CosignatureRequestResult::Kind::refused);
  EXPECT_EQ(unprocessable.why, "answered 422: consistency proof does not verify");
}

TEST(WitnessClient, AnUnreachableWitnessIsSaidToBe) {
  WitnessClient client("http://127.0.0.1:1", std::chrono::milliseconds(500));  // nothing listens on port 1
  const auto answer = client.add_checkpoint(0, {}, std::string(kText) + "\n", kText);
  EXPECT_EQ(answer.kind, CosignatureRequestResult::Kind::unreachable);
  EXPECT_FALSE(answer.why.empty());
}

}  // namespace
}  // namespace mandate::witness
