#include "evidence_fixture.h"

#include "evidence/task_bundle.h"

namespace mandate::evidence {
namespace {

std::string listed(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  " + line;
  return out.empty() ? " (none)" : out;
}

}  // namespace

std::string EvidenceTest::finished_task() {
  const std::string task = approved_task(scope());
  const auto m = issued(task);
  EXPECT_TRUE(use(m.token).allow);
  EXPECT_FALSE(use(m.token, "deploy", "prod/ledger").allow);
  broker->complete(as(broker::kWorkload, broker::CallerKind::workload), task, core::OutcomeResult::success, "sha256:ab");
  return task;
}

nlohmann::json EvidenceTest::bundle_for(const std::string& task, const std::vector<std::uint64_t>& also) {
  return export_task_bundle(*store, *ledger, task, [&](BundleSource& source) {
    const auto ring = keyring->current();
    const auto& key = ring->active();
    source.origin = kOrigin;
    source.checkpoint_note = ledger->checkpoint(key.public_key(), [&](std::string_view m) { return key.sign(m); });
    source.verifier_key = trusted_key();
    source.jwks = keyring->jwks();
    source.indices.insert(source.indices.end(), also.begin(), also.end());
  });
}

std::string EvidenceTest::trusted_key() const {
  return ledger::NoteVerifier::for_key(kOrigin, keyring->current()->active().public_key()).to_string();
}

std::size_t position_of(const nlohmann::json& bundle, const std::string& type) {
  for (std::size_t i = 0; i < bundle.at("entries").size(); ++i) {
    if (entry_at(bundle, i).at("type") == type) return i;
  }
  ADD_FAILURE() << "no " << type << " entry in the bundle";
  return 0;
}

std::uint64_t index_of(const nlohmann::json& bundle, const std::string& type) {
  return bundle.at("entries").at(position_of(bundle, type)).at("index").get<std::uint64_t>();
}

nlohmann::json entry_at(const nlohmann::json& bundle, std::size_t position) {
  return nlohmann::json::parse(bundle.at("entries").at(position).at("entry").get<std::string>());
}

::testing::AssertionResult refused_with(const VerifyReport& report, const std::vector<std::string>& problems) {
  if (!report.valid && report.problems == problems) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected to be refused with:" << listed(problems) << "\nbut it is "
                                       << (report.valid ? "valid" : "refused") << " with:" << listed(report.problems);
}

::testing::AssertionResult proves(const VerifyReport& report, const std::string& prefix) {
  for (const auto& statement : report.proves) {
    if (statement.starts_with(prefix)) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no statement starts with \"" << prefix << "\"; it proves:" << listed(report.proves);
}

}  // namespace mandate::evidence
