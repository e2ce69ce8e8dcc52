// Each way of tampering with a bundle is refused, and the report names what
// is wrong: entry bytes, proof hashes and paths, the checkpoint's signature
// and size, the verifier key, an entry of another task, the JWKS, the
// policy set, the format, malformed JSON and missing fields.
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "evidence_fixture.h"
#include "ledger/checkpoint.h"

namespace mandate::evidence {
namespace {

std::string not_included(std::uint64_t index) {
  return "entry #" + std::to_string(index) + ": not included in the signed checkpoint (inclusion proof fails)";
}

// The checkpoint note with the last byte of its signature changed.
std::string with_broken_signature(const std::string& note) {
  auto parsed = ledger::parse_signed_note(note);
  EXPECT_TRUE(parsed.has_value()) << note;
  parsed->signatures.at(0).signature.back() ^= 0x01;
  return ledger::format_signed_note(*parsed);
}

class TamperingTest : public EvidenceTest {
 protected:
  void SetUp() override {
    EvidenceTest::SetUp();
    task = finished_task();
    bundle = bundle_for(task);
    ASSERT_TRUE(verify(bundle).valid) << nlohmann::json(verify(bundle).problems).dump();
  }
  nlohmann::json& entry(const std::string& type) { return bundle["entries"][position_of(bundle, type)]; }
  std::uint64_t index(const std::string& type) { return index_of(bundle, type); }
  // Another key under the same name: what a forger would publish.
  static std::string other_key() {
    return ledger::NoteVerifier::for_key(kOrigin, crypto::Ed25519PrivateKey::generate().public_key()).to_string();
  }

  std::string task;
  nlohmann::json bundle;
};

TEST_F(TamperingTest, AChangedEntryIsNotIncluded) {
  std::string bytes = entry("task.approval")["entry"];
  const auto at = bytes.find("\"bob\"");
  ASSERT_NE(at, std::string::npos) << bytes;
  entry("task.approval")["entry"] = bytes.replace(at, 5, "\"eve\"");
  EXPECT_TRUE(refused_with(verify(bundle), {not_included(index("task.approval"))}));
}

// Changing the request also leaves the bundle without the task's request.
TEST_F(TamperingTest, AChangedRequestIsNotIncludedAndTheRequestIsMissing) {
  std::string bytes = entry("task.requested")["entry"];
  const auto at = bytes.find("Deploy payments");
  ASSERT_NE(at, std::string::npos) << bytes;
  entry("task.requested")["entry"] = bytes.replace(at, 15, "Deploy anything");
  EXPECT_TRUE(refused_with(verify(bundle), {not_included(index("task.requested")), "the bundle does not contain the task's request"}));
}

TEST_F(TamperingTest, AChangedProofHashIsRefused) {
  auto& proof = entry("mandate.issued")["proof"];
  ASSERT_FALSE(proof.empty());
  proof[0] = encoding::base64_encode(crypto::sha256(std::string("another subtree")));
  EXPECT_TRUE(refused_with(verify(bundle), {not_included(index("mandate.issued"))}));
}

TEST_F(TamperingTest, AProofHashThatIsNotBase64Of32BytesIsRefused) {
  const auto at = index("mandate.issued");
  auto& proof = entry("mandate.issued")["proof"];
  ASSERT_GE(proof.size(), 2u);
  const auto original = proof[1];
  proof[1] = encoding::base64_encode(std::string(31, 'x'));
  EXPECT_TRUE(refused_with(verify(bundle), {"entry #" + std::to_string(at) + ": proof hash 1 is not standard padded base64 of 32 bytes"}));
  proof[1] = original.get<std::string>() + "=";
  EXPECT_TRUE(refused_with(verify(bundle), {"entry #" + std::to_string(at) + ": proof hash 1 is not standard padded base64 of 32 bytes"}));
  proof[1] = 7;
  EXPECT_TRUE(refused_with(verify(bundle), {"entry #" + std::to_string(at) + ": proof hash 1 is not a string"}));
}

TEST_F(TamperingTest, AShortenedProofPathIsRefused) {
  auto& proof = entry("task.completed")["proof"];
  ASSERT_FALSE(proof.empty());
  proof.erase(proof.size() - 1);
  EXPECT_TRUE(refused_with(verify(bundle), {not_included(index("task.completed"))}));
  proof = nlohmann::json::array();
  EXPECT_TRUE(refused_with(verify(bundle), {not_included(index("task.completed"))}));
}

TEST_F(TamperingTest, ALengthenedProofPathIsRefused) {
  auto& proof = entry("task.completed")["proof"];
  proof.push_back(proof[0]);
  EXPECT_TRUE(refused_with(verify(bundle), {not_included(index("task.completed"))}));
}

TEST_F(TamperingTest, ABrokenCheckpointSignatureIsRefused) {
  bundle["checkpoint"] = with_broken_signature(bundle["checkpoint"]);
  EXPECT_TRUE(refused_with(verify(bundle), {"checkpoint: checkpoint signature does not verify"}));
  EXPECT_TRUE(refused_with(verify(bundle, std::nullopt), {"checkpoint: checkpoint signature does not verify"}));
}

// The size (or root) of a signed checkpoint cannot be edited: the signature
// covers them.
TEST_F(TamperingTest, AnEditedCheckpointSizeBreaksItsSignature) {
  std::string note = bundle["checkpoint"];
  const std::string size = "\n" + std::to_string(ledger->size()) + "\n";
  const auto at = note.find(size);
  ASSERT_NE(at, std::string::npos) << note;
  bundle["checkpoint"] = note.replace(at, size.size(), "\n" + std::to_string(ledger->size() - 1) + "\n");
  EXPECT_TRUE(refused_with(verify(bundle), {"checkpoint: checkpoint signature does not verify"}));
}

// A genuine checkpoint signed before the task finished covers only the
// entries before it: an entry at or past its size is not included in it.
TEST_F(TamperingTest, AnEntryPastTheCheckpointSizeIsNotIncluded) {
  const std::string later = approved_task(scope());
  auto early = bundle_for(later);
  const auto size = ledger->size();
  const auto m = issued(later);
  EXPECT_TRUE(use(m.token).allow);
  const auto full = bundle_for(later);
  ASSERT_TRUE(verify(early).valid);
  ASSERT_EQ(verify(early).summary["checkpoint_size"], size);
  std::vector<std::string> problems;
  for (const auto& e : full["entries"]) {
    if (e["index"].get<std::uint64_t>() < size) continue;
    early["entries"].push_back(e);  // with its proof to the later, larger tree
    problems.push_back(not_included(e["index"]));
  }
  ASSERT_EQ(problems.size(), 2u) << "the mandate and its decision";
  EXPECT_TRUE(refused_with(verify(early), problems));
}

// With no key of their own, verifiers use the bundle's: another key there
// does not verify the checkpoint. A verifier that brings the right key does
// not read the bundle's at all.
TEST_F(TamperingTest, AVerifierKeySwappedForAnotherIsRefused) {
  bundle["verifier_key"] = other_key();
  EXPECT_TRUE(refused_with(verify(bundle, std::nullopt), {"checkpoint: checkpoint is not signed by any key of this ledger"}));
  const auto report = verify(bundle, trusted_key());
  EXPECT_TRUE(report.valid) << nlohmann::json(report.problems).dump();
  EXPECT_EQ(report.summary["signer"], "trusted key given by the verifier");
  bundle["verifier_key"] = "not a vkey";
  EXPECT_TRUE(refused_with(verify(bundle, std::nullopt), {"verifier key: a verifier key is name+hash+key"}));
}

// A forger who signs the checkpoint with a key of their own and puts that
// key in the bundle gets past a verifier without a key — whose report says
// the signer is the bundle's own key, to be compared with the operator's —
// and not past one that brings the operator's key.
TEST_F(TamperingTest, ACheckpointResignedWithAnotherKeyIsRefusedByTheTrustedKey) {
  const auto forger = crypto::Ed25519PrivateKey::generate();
  const auto note = ledger::parse_signed_note(bundle["checkpoint"].get<std::string>());
  ASSERT_TRUE(note.has_value());
  const auto body = ledger::parse_checkpoint_body(note->text);
  ASSERT_TRUE(body.has_value());
  bundle["checkpoint"] = ledger::sign_checkpoint(*body, forger);
  bundle["verifier_key"] = ledger::NoteVerifier::for_key(kOrigin, forger.public_key()).to_string();

  const auto unchecked = verify(bundle, std::nullopt);
  EXPECT_TRUE(unchecked.valid) << nlohmann::json(unchecked.problems).dump();
  EXPECT_EQ(unchecked.summary["signer"], "the bundle's own key: compare it with the operator's published key");
  EXPECT_TRUE(refused_with(verify(bundle, trusted_key()), {"checkpoint: checkpoint is not signed by any key of this ledger"}));
}

TEST_F(TamperingTest, ATrustedKeyOtherThanTheBundlesIsRefused) {
  EXPECT_TRUE(refused_with(verify(bundle, other_key()), {"checkpoint: checkpoint is not signed by any key of this ledger"}));
  // The same key under another name is another key.
  const auto renamed = ledger::NoteVerifier::for_key("test/other", keyring->current()->active().public_key()).to_string();
  EXPECT_TRUE(refused_with(verify(bundle, renamed), {"checkpoint: checkpoint is not signed by any key of this ledger"}));
  EXPECT_TRUE(refused_with(verify(bundle, std::string("test/broker+00000000+AAAA")),
                           {"verifier key: verifier key is not an Ed25519 key (type 0x01 followed by 32 bytes)"}));
}

TEST_F(TamperingTest, AnOriginOtherThanTheCheckpointsIsRefused) {
  bundle["origin"] = "test/other";
  EXPECT_TRUE(refused_with(verify(bundle, std::nullopt),
                           {"checkpoint: checkpoint is for origin \"test/broker\", this ledger is \"test/other\""}));
}

// An entry of another task, with its genuine proof, is named as such.
TEST_F(TamperingTest, AnEntryOfAnotherTaskIsRefused) {
  const std::string other = approved_task(scope());
  const auto theirs = bundle_for(other);
  const auto request = index_of(theirs, "task.requested");
  const auto mixed = bundle_for(task, {request});
  ASSERT_EQ(mixed["entries"].size(), bundle["entries"].size() + 1);
  EXPECT_TRUE(refused_with(verify(mixed), {"entry #" + std::to_string(request) + " is not about task " + task}));
}

TEST_F(TamperingTest, EntriesOutOfOrderOrRepeatedAreRefused) {
  const auto at = position_of(bundle, "mandate.issued");
  auto swapped = bundle;
  std::swap(swapped["entries"][at], swapped["entries"][at + 1]);
  EXPECT_TRUE(refused_with(verify(swapped), {"entry #" + std::to_string(index("mandate.issued")) +
                                             ": entries are not in ascending index order"}));
  auto repeated = bundle;
  repeated["entries"].insert(repeated["entries"].begin() + static_cast<std::ptrdiff_t>(at), bundle["entries"][at]);
  EXPECT_TRUE(refused_with(verify(repeated), {"entry #" + std::to_string(index("mandate.issued")) +
                                              ": entries are not in ascending index order"}));
}

TEST_F(TamperingTest, ABundleWithoutTheRequestIsRefused) {
  bundle["entries"].erase(position_of(bundle, "task.requested"));
  EXPECT_TRUE(refused_with(verify(bundle), {"the bundle does not contain the task's request"}));
}

TEST_F(TamperingTest, AMandateKeyMissingFromTheJwksIsRefused) {
  const std::string missing = "entry #" + std::to_string(index("mandate.issued")) + ": the signing key of the mandate is not in the jwks";
  auto jwks = bundle["jwks"];
  bundle["jwks"]["keys"] = nlohmann::json::array();
  EXPECT_TRUE(refused_with(verify(bundle), {missing}));
  bundle["jwks"] = jwks;
  bundle["jwks"]["keys"][0]["kid"] = "not-its-thumbprint";
  EXPECT_TRUE(refused_with(verify(bundle), {"jwks: a key is malformed or its kid is not its thumbprint", missing}));
  bundle["jwks"] = jwks;
  bundle["jwks"]["keys"][0]["comment"] = "an extra member";
  EXPECT_TRUE(refused_with(verify(bundle), {"jwks: a key is malformed or its kid is not its thumbprint", missing}));
  bundle["jwks"] = nlohmann::json::array();
  EXPECT_TRUE(refused_with(verify(bundle), {"jwks: not a JWK Set"}));
}

// A decision names the policy set it was decided under; without that set's
// text in the bundle, what allowed it cannot be shown.
TEST_F(TamperingTest, ADecisionWhosePolicySetIsMissingIsRefused) {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < bundle["entries"].size(); ++i) {
    const auto e = entry_at(bundle, i);
    if (e["type"] != "decision" || e["data"]["policy_set"] == "") continue;
    problems.push_back("decision #" + std::to_string(bundle["entries"][i]["index"].get<std::uint64_t>()) + " names policy set " +
                       e["data"]["policy_set"].get<std::string>().substr(0, 12) + " whose text is not in the bundle");
  }
  ASSERT_FALSE(problems.empty());
  bundle["entries"].erase(position_of(bundle, "policy.loaded"));
  EXPECT_TRUE(refused_with(verify(bundle), problems));
}

TEST_F(TamperingTest, TheFirstFormatIsRefusedAsSuchAndAnUnknownOnePlainly) {
  bundle["format"] = "mandate-evidence/1";
  EXPECT_TRUE(refused_with(verify(bundle), {"format mandate-evidence/1 carries its proofs in hex and is no longer read; export "
                                            "the bundle again (mandate-evidence/2 carries them in base64)"}));
  bundle["format"] = "mandate-evidence/3";
  EXPECT_TRUE(refused_with(verify(bundle), {"format is not mandate-evidence/2"}));
}

TEST_F(TamperingTest, MalformedJsonIsRefused) {
  for (const std::string& text : {std::string(""), std::string("{"), bundle.dump().substr(0, 100), bundle.dump() + "x",
                                 std::string("{\"format\":\"mandate-evidence/2\",\"format\":\"mandate-evidence/2\"}")}) {
    const auto report = verify_bundle(text, trusted_key());
    EXPECT_FALSE(report.valid) << text;
    ASSERT_EQ(report.problems.size(), 1u) << text;
    EXPECT_TRUE(report.problems[0].starts_with("not a JSON object: ")) << report.problems[0];
    EXPECT_NE(report.problems[0], "not a JSON object: wrong type") << "a parse error says what is wrong: " << text;
  }
  for (const std::string text : {"[]", "\"bundle\"", "null", "42"}) {
    EXPECT_TRUE(refused_with(verify_bundle(text, trusted_key()), {"not a JSON object: wrong type"})) << text;
  }
}

TEST_F(TamperingTest, MissingFieldsAreNamed) {
  for (const std::string field : {"format", "origin", "task", "checkpoint", "verifier_key"}) {
    auto without = bundle;
    without.erase(field);
    EXPECT_TRUE(refused_with(verify(without), {"missing string field \"" + field + "\""}));
    without[field] = 1;
    EXPECT_TRUE(refused_with(verify(without), {"missing string field \"" + field + "\""})) << "not a string";
  }
  auto without = bundle;
  without.erase("entries");
  EXPECT_TRUE(refused_with(verify(without), {"missing array \"entries\""}));
  EXPECT_TRUE(refused_with(verify_bundle("{}", trusted_key()),
                           {"missing string field \"format\"", "missing string field \"origin\"", "missing string field \"task\"",
                            "missing string field \"checkpoint\"", "missing string field \"verifier_key\"",
                            "missing array \"entries\""}));
  without = bundle;
  without.erase("jwks");
  EXPECT_TRUE(refused_with(verify(without), {"jwks: not a JWK Set"}));
}

TEST_F(TamperingTest, AnEntryMissingItsIndexBytesOrProofIsRefused) {
  for (const std::string field : {"index", "entry", "proof"}) {
    auto without = bundle;
    without["entries"][position_of(bundle, "task.approval")].erase(field);
    EXPECT_TRUE(refused_with(verify(without), {"an entry lacks index, entry or proof"})) << field;
  }
  auto negative = bundle;
  negative["entries"][position_of(bundle, "task.approval")]["index"] = -1;
  EXPECT_TRUE(refused_with(verify(negative), {"an entry lacks index, entry or proof"}));
  auto not_object = bundle;
  not_object["entries"][position_of(bundle, "task.approval")] = "entry";
  EXPECT_TRUE(refused_with(verify(not_object), {"an entry lacks index, entry or proof"}));
}

}  // namespace
}  // namespace mandate::evidence
