// Seen proofs (internal/seen_proofs.h).
#include "broker/internal/seen_proofs.h"

#include <array>
#include <charconv>
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

namespace {

constexpr const char* kTimeOrderedSince = "seen_proofs.time_ordered_since";

}  // namespace

std::optional<core::Timestamp> note_time_ordered_proofs(store::Store& store, core::Timestamp now) {
  if (!store.meta(kTimeOrderedSince)) {
    store.set_meta(kTimeOrderedSince, std::to_string(std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count()));
  }
  return proofs_kept_by_jti_alone_until(store);
}

std::optional<core::Timestamp> proofs_kept_by_jti_alone_until(store::Store& store) {
  const auto since = store.meta(kTimeOrderedSince);
  if (!since) return std::nullopt;
  long long seconds = 0;
  const char* end = since->data() + since->size();
  // Not a number (a hand-edited meta): both keys are read.
  if (const auto parsed = std::from_chars(since->data(), end, seconds); parsed.ec != std::errc{} || parsed.ptr != end) {
    return std::nullopt;
  }
  return core::Timestamp(std::chrono::seconds(seconds)) + kProofClockSkew;
}

std::vector<std::pair<std::string, std::string>> seen_proof_keys(const token::VerifiedProof& proof,
                                                                 std::optional<core::Timestamp> jti_alone_until) {
  std::vector<std::pair<std::string, std::string>> keys{{kProofKind, seen_proof_id(proof)}};
  if (!jti_alone_until || proof.issued_at <= *jti_alone_until) keys.emplace_back(kProofKind, proof.jti);
  return keys;
}

bool proof_was_seen(store::Store& store, const token::VerifiedProof& proof,
                    std::optional<core::Timestamp> jti_alone_until) {
  const auto keys = seen_proof_keys(proof, jti_alone_until);
  if (keys.size() == 1) return store.record_version(keys[0].first, keys[0].second) != store::kAbsent;
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
