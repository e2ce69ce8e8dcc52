// The workflow through the broker API: trace attribution and evidence,
// including a bundle in which every single byte is changed in turn.
#include "broker/trace.h"
#include "broker_fixture.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "evidence/bundle.h"
#include "ledger/note.h"

namespace mandate::broker {
namespace {

class EvidenceTest : public BrokerTest {
 protected:
  std::string bundle_for(const std::string& task_id, ledger::NoteVerifier& verifier) {
    const auto& key = keyring->active();
    verifier = ledger::NoteVerifier::for_key("test/broker", key.public_key());
    const std::string note = ledger->checkpoint(key.public_key(), [&](std::string_view m) { return key.sign(m); });
    const Trace trace = build_trace(*store, *ledger, task_id);
    evidence::BundleSource source{"test/broker", task_id, note, verifier.to_string(), keyring->jwks(), {}};
    for (const auto& s : trace.steps) source.indices.push_back(s.index);
    source.indices.insert(source.indices.end(), trace.policy_entries.begin(), trace.policy_entries.end());
    return evidence::export_bundle(*ledger, source).dump();
  }
};

TEST_F(EvidenceTest, TraceStatesWhatIsProvenForEachAction) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  EXPECT_TRUE(use(m.token).allow);
  EXPECT_FALSE(use(m.token, "deploy", "prod/ledger").allow);
  broker->complete(as(kWorkload, CallerKind::workload), task, core::OutcomeResult::success, "sha256:ab");
  const Trace trace = build_trace(*store, *ledger, m.record.mandate.id);
  ASSERT_EQ(trace.attribution.size(), 2u);
  EXPECT_EQ(trace.attribution[0].depth(), "initiation+approval+execution");
  EXPECT_EQ(trace.attribution[1].depth(), "initiation+approval");
  EXPECT_EQ(trace.task.task.state, core::TaskState::completed);
  EXPECT_EQ(trace.policy_entries.size(), 1u);
  const std::string dot = render_dot(trace);
  EXPECT_NE(dot.find("mandate:" + m.record.mandate.id), std::string::npos);
}

TEST_F(EvidenceTest, ABundleVerifiesAndAnyChangedByteBreaksIt) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  EXPECT_TRUE(use(m.token).allow);
  broker->complete(as(kWorkload, CallerKind::workload), task, core::OutcomeResult::success, "sha256:ab");
  ledger::NoteVerifier verifier;
  const std::string bundle = bundle_for(task, verifier);
  const auto report = evidence::verify_bundle(bundle, verifier.to_string());
  ASSERT_TRUE(report.valid) << nlohmann::json(report.problems).dump();
  EXPECT_FALSE(report.proves.empty());
  // A different trusted key refuses it.
  const auto other = ledger::NoteVerifier::for_key("test/broker", crypto::Ed25519PrivateKey::generate().public_key());
  EXPECT_FALSE(evidence::verify_bundle(bundle, other.to_string()).valid);
  for (std::size_t i = 0; i < bundle.size(); ++i) {
    std::string tampered = bundle;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(evidence::verify_bundle(tampered, std::nullopt).valid) << "byte " << i << " of " << bundle.size()
                                                                        << ": " << bundle.substr(i > 20 ? i - 20 : 0, 40);
  }
}

// Merkle material in a bundle is spelled as the ledger's proof endpoints
// spell it (standard padded base64, RFC 9162 / C2SP); a bundle whose proofs
// are hex (the mandate-evidence/1 spelling) is refused and says why.
TEST_F(EvidenceTest, ProofsAreBase64AndHexProofsAreRefused) {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  EXPECT_TRUE(use(m.token).allow);
  ledger::NoteVerifier verifier;
  auto bundle = nlohmann::json::parse(bundle_for(task, verifier));
  EXPECT_EQ(bundle["format"], "mandate-evidence/2");
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
  auto report = evidence::verify_bundle(as_hex.dump(), verifier.to_string());
  EXPECT_FALSE(report.valid);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems[0].find("is hex; proof hashes are standard padded base64"), std::string::npos)
      << report.problems[0];

  as_hex["format"] = "mandate-evidence/1";
  report = evidence::verify_bundle(as_hex.dump(), verifier.to_string());
  EXPECT_FALSE(report.valid);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("mandate-evidence/1 carries its proofs in hex"), std::string::npos)
      << report.problems[0];
}

}  // namespace
}  // namespace mandate::broker
