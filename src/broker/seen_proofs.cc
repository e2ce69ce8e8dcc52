// Seen proofs (internal/seen_proofs.h).
#include "broker/internal/seen_proofs.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

#include "broker/records.h"
#include "broker/step.h"
#include "store/store.h"

namespace mandate::broker {

std::string seen_proof_id(const token::VerifiedProof& proof) {
  const long long seconds = std::chrono::floor<std::chrono::seconds>(proof.issued_at).time_since_epoch().count();
  // 12 digits keep the ids in time order for any iat freshness accepts.
  std::array<char, 24> iat{};
  std::snprintf(iat.data(), iat.size(), "%012lld.", seconds < 0 ? 0 : seconds);
  return iat.data() + proof.jti;
}

bool proof_was_seen(store::Store& store, const token::VerifiedProof& proof) {
  const std::array<std::pair<std::string, std::string>, 2> keys{{{kProofKind, seen_proof_id(proof)}, {kProofKind, proof.jti}}};
  for (const std::int64_t version : store.record_versions(keys)) {
    if (version != store::kAbsent) return true;
  }
  return false;
}

void remember_proof(Step& step, const std::string& seen_id) {
  // No ref: nothing lists proofs by mandate, and a ref would file each
  // record under its mandate, scattered again across the index.
  step.put(kProofKind, seen_id, "", nlohmann::json::object(), store::kAbsent);
}

}  // namespace mandate::broker
