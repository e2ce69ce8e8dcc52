#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: the proofs of possession that decisions accepted,
// held in memory for as long as each could be presented again, so that none
// is accepted twice (a replay, RFC 9449 §11.1). A decision claims its
// proof's jti (store::RecordPut::claim); the ledger checks the claim under
// its append lock, against this process's decisions and every row other
// processes or servers appended, which this window reads for their
// decisions' proof_jti. The decision entries are the only durable copy: a
// window opened on a home reads the last `lifetime` of them first.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <unordered_set>

#include "broker/internal/seen_proofs.h"
#include "core/time.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::broker {

// The kind under which a decision claims its proof's jti.
inline constexpr const char* kProofClaimKind = "proof";

// How long after a decision its proof's jti is held: as long as the proof
// could be accepted again anywhere (its iat at most the skew ahead of the
// decision's time on the server that accepted it, then max_age and the
// skew again), and a skew more to spare.
inline std::chrono::microseconds proof_claim_lifetime(std::chrono::seconds max_age) {
  return max_age + 3 * kProofClockSkew;
}

// The body of a claim (Step::claim): until when it is held (microseconds
// since the epoch); ReplayWindow reads it back.
std::string claim_body(core::Timestamp until);

class ReplayWindow final : public ledger::ClaimRegister {
 public:
  // `lifetime`: how long after a decision's time its proof could still be
  // accepted anywhere (proof_claim_lifetime). `clock`: the one this
  // process's freshness checks use, and so the one that says when a claim
  // has expired; the times other servers write (their clocks may run
  // ahead) never end a claim here.
  ReplayWindow(store::Store& store, std::chrono::microseconds lifetime, std::function<core::Timestamp()> clock);

  void catch_up(std::uint64_t size) override;
  bool held(const std::string& kind, const std::string& id) override;
  bool answers_from_memory() override;
  void committed(std::uint64_t from, std::uint64_t to, std::span<const store::RecordPut> claims) override;

  std::size_t held_count();  // for tests

 private:
  using Key = std::array<std::uint8_t, 16>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  static Key key_of(const std::string& kind, const std::string& id);

  void load_locked();
  void learn_locked(std::uint64_t from, std::uint64_t to);
  std::uint64_t first_row_since(core::Timestamp cutoff, std::uint64_t size);
  void hold_locked(const Key& key, core::Timestamp until);

  store::Store& store_;
  const std::chrono::microseconds lifetime_;
  const std::function<core::Timestamp()> clock_;
  std::mutex mu_;
  bool loaded_ = false;
  std::uint64_t through_ = 0;  // every row before it learned
  std::unordered_set<Key, KeyHash> held_;
  std::deque<std::pair<core::Timestamp, Key>> by_expiry_;  // in the order held; about time order
};

}  // namespace mandate::broker
