#pragma once
// Evidence about tasks the broker really carried out (tests/broker's fixture:
// alice requests, bob and carol approve, the deployer workload executes),
// exported as `mandate evidence export` does and checked as
// `mandate evidence verify` does.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker_fixture.h"
#include "evidence/bundle.h"
#include "ledger/note.h"

namespace mandate::evidence {

class EvidenceTest : public broker::BrokerTest {
 protected:
  // The ledger's origin in these tests (BrokerTest's ledger).
  static constexpr const char* kOrigin = "test/broker";

  // A task from request to outcome: approved by bob and carol, its mandate
  // issued, used once within its scope (allowed) and once outside (denied),
  // then completed by the deployer.
  std::string finished_task();
  // export_task_bundle sealed as a home seals it: a checkpoint signed now by
  // the active key, that key's vkey and the keyring's JWKS. `also` adds
  // ledger indices to the bundle (an exporter that slips in more).
  nlohmann::json bundle_for(const std::string& task, const std::vector<std::uint64_t>& also = {});
  // The active key's vkey under kOrigin: what an auditor trusts.
  std::string trusted_key() const;

  VerifyReport verify(const nlohmann::json& bundle, const std::optional<std::string>& key) const {
    return verify_bundle(bundle.dump(), key);
  }
  VerifyReport verify(const nlohmann::json& bundle) const { return verify(bundle, trusted_key()); }
};

// The position in bundle["entries"] of the first entry of `type`.
std::size_t position_of(const nlohmann::json& bundle, const std::string& type);
// The ledger index of the first entry of `type` in the bundle.
std::uint64_t index_of(const nlohmann::json& bundle, const std::string& type);
// The parsed ledger entry at `position` of bundle["entries"].
nlohmann::json entry_at(const nlohmann::json& bundle, std::size_t position);

// Passes when the report is invalid with exactly `problems`, in order;
// otherwise says what the report held.
::testing::AssertionResult refused_with(const VerifyReport& report, const std::vector<std::string>& problems);
// Passes when one of the report's statements starts with `prefix`.
::testing::AssertionResult proves(const VerifyReport& report, const std::string& prefix);

}  // namespace mandate::evidence
