// A bundle exported for a real task verifies offline and states who asked,
// who approved, which mandate was issued to whom, what was decided under
// which policy, and who reported the outcome. What it is signed by is said
// plainly; any changed byte breaks it.
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "evidence_fixture.h"
#include "ledger/checkpoint.h"

namespace mandate::evidence {
namespace {

TEST_F(EvidenceTest, AnExportedBundleVerifiesAndNamesTheInitiatorApproversAndExecutor) {
  const std::string task = finished_task();
  const auto bundle = bundle_for(task);
  EXPECT_EQ(bundle["format"], "mandate-evidence/2");
  EXPECT_EQ(bundle["origin"], kOrigin);
  EXPECT_EQ(bundle["task"], task);

  const auto report = verify(bundle);
  ASSERT_TRUE(report.valid) << nlohmann::json(report.problems).dump();
  EXPECT_TRUE(report.problems.empty());
  const std::string executor = broker::kWorkload;
  EXPECT_TRUE(proves(report, "alice (human, test) requested task " + task + ": \"Deploy payments\" for " + executor + " at "));
  EXPECT_TRUE(proves(report, "bob (human, test) approved it at "));
  EXPECT_TRUE(proves(report, "carol (human, test) approved it at "));
  const auto issued = entry_at(bundle, position_of(bundle, "mandate.issued"));
  const std::string jti = issued["data"]["mandate"]["jti"];
  EXPECT_TRUE(proves(report, "mandate " + jti + " (token sha256 "));
  const std::string to_executor = "was issued to " + executor + ", valid until ";
  EXPECT_TRUE(std::any_of(report.proves.begin(), report.proves.end(),
                          [&](const std::string& s) { return s.starts_with("mandate " + jti) && s.find(to_executor) != std::string::npos; }))
      << nlohmann::json(report.proves).dump(1);
  EXPECT_TRUE(proves(report, "decision: allow deploy on prod/payments for " + executor + " (workload, proof-of-possession:"));
  EXPECT_TRUE(proves(report, "decision: deny deploy on prod/ledger for " + executor + " (workload, proof-of-possession:"));
  EXPECT_TRUE(proves(report, executor + " (workload, test) reported outcome success; mandates ended [\"" + jti + "\"]"));

  // The allowed decision is attributed to intent, approval and execution;
  // the denied one did not act, so execution is not claimed for it.
  const auto allowed = bundle["entries"][position_of(bundle, "decision")]["index"].get<std::uint64_t>();
  EXPECT_TRUE(proves(report, "decision #" + std::to_string(allowed) + " attribution proven: initiation+approval+execution"));
  ASSERT_EQ(report.summary["attribution"].size(), 2u);
  EXPECT_EQ(report.summary["attribution"][0], nlohmann::json({{"decision_index", allowed}, {"allowed", true},
                                                              {"depth", "initiation+approval+execution"}}));
  EXPECT_EQ(report.summary["attribution"][1]["allowed"], false);
  EXPECT_EQ(report.summary["attribution"][1]["depth"], "initiation+approval");

  EXPECT_EQ(report.summary["task"], task);
  EXPECT_EQ(report.summary["entries"], bundle["entries"].size());
  EXPECT_EQ(report.summary["checkpoint_size"], ledger->size());
  EXPECT_EQ(report.summary["signer"], "trusted key given by the verifier");
}

// Every step of the trace and the policy set its decisions name, nothing
// else; in ascending order, each with its proof to the checkpoint.
TEST_F(EvidenceTest, TheBundleHoldsTheTasksEntriesAndItsPolicySet) {
  const std::string task = finished_task();
  const auto bundle = bundle_for(task);
  std::vector<std::string> types;
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < bundle["entries"].size(); ++i) {
    types.push_back(entry_at(bundle, i)["type"]);
    const auto index = bundle["entries"][i]["index"].get<std::uint64_t>();
    if (i > 0) {
      EXPECT_GT(index, previous);
    }
    previous = index;
    EXPECT_EQ(bundle["entries"][i]["entry"], ledger->entry_bytes(index));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"policy.loaded", "task.requested", "task.approval", "task.approval", "mandate.issued",
                                             "decision", "decision", "task.completed"}));
}

// Without a key of its own, the verifier can only use the bundle's: the
// report says so, and that the signer must be compared with the operator's.
TEST_F(EvidenceTest, WithoutATrustedKeyTheReportSaysWhoseKeySignedIt) {
  const auto report = verify(bundle_for(finished_task()), std::nullopt);
  ASSERT_TRUE(report.valid) << nlohmann::json(report.problems).dump();
  EXPECT_EQ(report.summary["signer"], "the bundle's own key: compare it with the operator's published key");
}

// The exporter refuses to prove an entry the checkpoint does not cover.
TEST_F(EvidenceTest, ExportRefusesAnEntryPastItsCheckpoint) {
  const std::string task = approved_task(scope());
  const auto ring = keyring->current();
  const auto& key = ring->active();
  BundleSource source{kOrigin, task, ledger->checkpoint(key.public_key(), [&](std::string_view m) { return key.sign(m); }),
                      trusted_key(), keyring->jwks(), {}};
  const auto past = ledger->size();
  issued(task);
  const auto refusal = [&]() -> std::string {
    try {
      export_bundle(*ledger, source);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::check_failed);
      return e.what();
    }
    return "(exported)";
  };
  source.indices = {past - 1};
  EXPECT_NO_THROW(export_bundle(*ledger, source));
  source.indices = {past - 1, past};
  EXPECT_EQ(refusal(), "entry " + std::to_string(past) + " is past the checkpoint");
  source.checkpoint_note = "not a note";
  EXPECT_EQ(refusal(), "checkpoint: not a signed note: no blank line before the signatures");
}

TEST_F(EvidenceTest, ABundleVerifiesAndAnyChangedByteBreaksIt) {
  const std::string bundle = bundle_for(finished_task()).dump();
  ASSERT_TRUE(verify_bundle(bundle, trusted_key()).valid);
  for (std::size_t i = 0; i < bundle.size(); ++i) {
    std::string tampered = bundle;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(verify_bundle(tampered, std::nullopt).valid) << "byte " << i << " of " << bundle.size()
                                                              << ": " << bundle.substr(i > 20 ? i - 20 : 0, 40);
  }
}

// Merkle material in a bundle is spelled as the ledger's proof endpoints
// spell it (standard padded base64, RFC 9162 / C2SP); a bundle whose proofs
// are hex (the mandate-evidence/1 spelling) is refused and says why.
TEST_F(EvidenceTest, ProofsAreBase64AndHexProofsAreRefused) {
  const std::string task = approved_task(scope());
  EXPECT_TRUE(use(issued(task).token).allow);
  auto bundle = bundle_for(task);
  const std::uint64_t size = ledger->size();
  std::size_t hashes = 0;
  for (const auto& e : bundle["entries"]) {
    const auto expected = ledger->inclusion_proof(e["index"].get<std::uint64_t>(), size);
    ASSERT_EQ(e["proof"].size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i, ++hashes) {
      EXPECT_EQ(e["proof"][i], encoding::base64_encode(expected[i])) << "entry #" << e["index"] << " hash " << i;
    }
  }
  ASSERT_GT(hashes, 0u);

  auto as_hex = bundle;
  for (auto& e : as_hex["entries"]) {
    for (auto& h : e["proof"]) h = encoding::hex_encode(*encoding::base64_decode(h.get<std::string>()));
  }
  auto report = verify(as_hex);
  EXPECT_FALSE(report.valid);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems[0].find("is hex; proof hashes are standard padded base64"), std::string::npos)
      << report.problems[0];

  as_hex["format"] = "mandate-evidence/1";
  EXPECT_TRUE(refused_with(verify(as_hex), {"format mandate-evidence/1 carries its proofs in hex and is no longer read; export "
                                            "the bundle again (mandate-evidence/2 carries them in base64)"}));
}

}  // namespace
}  // namespace mandate::evidence
