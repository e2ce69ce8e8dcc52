#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: the proofs of possession already accepted, kept
// as `proof` records so that none is accepted twice (a replay).
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "token/proof.h"

namespace mandate::store {
class Store;
}

namespace mandate::broker {

class Step;

// A seen proof's record id: its iat (whole seconds, zero-padded) then its
// jti. Keyed by time, the records of one commit land side by side at the
// end of the store's index instead of one random page each (a page per
// decision was about a third of a mandate-bound decision's commit; see
// docs/BENCHMARKS.md). The same signed proof always has the same id; a
// proof is only accepted within its freshness window (RFC 9449 §11.1), so a
// jti is remembered for the window in which it could be presented again.
std::string seen_proof_id(const token::VerifiedProof& proof);

// How far a proof's iat may run ahead of the clock that accepts it.
inline constexpr std::chrono::seconds kProofClockSkew{5};

// Homes written before the time-ordered ids (2026-12-06) kept a seen proof
// under its jti alone. The first broker to open a home since notes the
// time in its meta (note_time_ordered_proofs); only a proof issued before
// then, give or take the skew, can have been accepted under the old key.
// nullopt (not yet noted): every proof is looked up under both.
// note_time_ordered_proofs returns proofs_kept_by_jti_alone_until once noted.
std::optional<core::Timestamp> note_time_ordered_proofs(store::Store& store, core::Timestamp now);
std::optional<core::Timestamp> proofs_kept_by_jti_alone_until(store::Store& store);

// The records under which this proof would have been kept: its id, and,
// if issued by `jti_alone_until`, its jti alone. Any of them present: seen.
std::vector<std::pair<std::string, std::string>> seen_proof_keys(const token::VerifiedProof& proof,
                                                                 std::optional<core::Timestamp> jti_alone_until);

// True when this proof was accepted before (one of seen_proof_keys stored).
bool proof_was_seen(store::Store& store, const token::VerifiedProof& proof,
                    std::optional<core::Timestamp> jti_alone_until);

// Puts the proof's record into the step; the commit fails with
// Error{conflict} when another commit recorded the same proof first.
void remember_proof(Step& step, const std::string& seen_id);

}  // namespace mandate::broker
