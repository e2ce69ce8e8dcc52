#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: the proofs of possession already accepted, kept
// as `proof` records so that none is accepted twice (a replay).
#include <string>

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

// True when this proof was accepted before: under its id, or under its jti
// alone, as homes written before the time-ordered ids remember it.
bool proof_was_seen(store::Store& store, const token::VerifiedProof& proof);

// Puts the proof's record into the step; the commit fails with
// Error{conflict} when another commit recorded the same proof first.
void remember_proof(Step& step, const std::string& seen_id);

}  // namespace mandate::broker
