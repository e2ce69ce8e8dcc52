#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: the runtime decision's fixed checks (invariant 3),
// one function each, in the order Broker::authorize runs them. Each reads
// what it needs, adds what it learned to the Presentation, and returns a
// Verdict: nullopt when the check passed, else the check that failed and why.
// None writes anything; authorize records the outcome in one durable step.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "broker/records.h"
#include "broker/step.h"
#include "policy/value.h"
#include "token/mandate_token.h"
#include "token/public_key.h"

namespace mandate::store {
class Store;
}

namespace mandate::ledger {
class ClaimRegister;
}

namespace mandate::broker {

class RememberedUses;  // remembered_uses.h

struct Broker::Failure {
  std::string check;  // "audience", "revocation", "uses", "proof", "scope", "policy", …
  std::string reason;
};
using Failure = Broker::Failure;
using Verdict = std::optional<Failure>;

// Not a check's failure: a decision that must not wait (on a store whose
// reads wait) would have had to read. It is handed to a thread that may.
inline constexpr const char* kWouldWait = "would wait";

// A use counter as read, with the version its commit must still find.
struct UseCount {
  const char* kind;  // kUsesKind (a mandate) or kTaskUsesKind (the task's budget)
  std::string id;
  std::string ref;
  std::int64_t used = 0;
  std::int64_t limit = 0;
  // The task's count only: the ledger index of the task's latest allowed
  // decision, which the next one's entry names as its "previous_use".
  std::optional<std::uint64_t> last_use;
};

// What the revocation and policy checks read about one mandate, at the
// versions read. Every record an allow relies on is in `standing` and its
// commit requires those versions, so a state remembered from an earlier
// decision can only allow while it is still the stored one (decisions.cc).
struct Broker::DecisionState {
  std::vector<Versioned<MandateRecord>> chain;  // the mandate, then its ancestors, as far as found
  std::optional<Versioned<TaskRecord>> task;
  std::optional<Versioned<ActorRecord>> executor;
  // Recorded while the task was requested, and fixed once it is active.
  std::vector<core::Approval> approvals;
  std::optional<token::PublicKey> executor_key;  // the executor's registered key, parsed
  // context.mandate as the policies see it. It depends on the mandate, its
  // task and its approvals alone, so it is made once with the state, not on
  // every decision; an error when its values are not Cedar values.
  std::expected<policy::Value, std::string> mandate_context;
};
using DecisionState = Broker::DecisionState;

// Reads the decision state of the mandate the claims name.
DecisionState read_decision_state(store::Store& store, const token::MandateClaims& claims);

// What the checks establish about one presentation of a mandate.
struct Broker::Presentation {
  const token::MandateClaims* claims = nullptr;  // set once the token verified
  std::shared_ptr<const DecisionState> state;    // set with claims
  std::string token_ath;                         // the token's SHA-256, base64url (a proof's "ath")
  const TaskRecord* task = nullptr;  // in `state`, once the revocation check found it
  std::optional<core::ActorKind> executor_kind;
  std::vector<UseCount> uses;  // the mandate, its ancestors, then the task
  bool uses_recalled = false;  // the counts came from memory, not the store (remembered_uses.h)
  // Who presented, as far as it was proven: the executor only once its
  // key's proof (or bound certificate) checked out.
  Caller presenter{"unverified-presenter", CallerKind::unauthenticated, "unverified: the decision failed before possession was checked"};
  std::optional<std::string> proof_jti;  // a verified, unreplayed proof
  core::Timestamp proof_claimed_until{};  // how long its decision holds its jti (replay_window.h)
  // The records the revocation check found standing (mandate, ancestors,
  // task, executor) at the versions it read: an allow commits only if they
  // are unchanged.
  struct Standing {
    std::string kind;
    std::string id;
    std::int64_t version = 0;
  };
  std::vector<Standing> standing;
  // A tool call held earlier and approved since: the policy step runs with
  // context.approval, and an allow moves the held task at this version.
  struct HeldApproval {
    std::string task_id;
    std::int64_t task_version = 0;
    std::vector<std::string> approvers;
  };
  std::optional<HeldApproval> approval;
};
using Presentation = Broker::Presentation;

// Whom the decision is for: request.audience, else the asking caller, else
// the home's default audience.
std::string decision_audience(const DecisionRequest& request, const std::optional<Caller>& asked_by,
                              const Settings& settings);

// The mandate's aud names the resource server deciding, or the home's
// default audience (which stands for every resource server asking).
Verdict check_audience(const token::MandateClaims& claims, const std::string& audience, const Settings& settings);

// Issued here as this very token; not revoked, nor any ancestor; the task
// active and within its window; the executor active. Fills uses (limits),
// task and executor_kind.
Verdict check_revocation(const std::string& token_hash, core::Timestamp at, Presentation& p);

// Checks 3 and 4, with one read of the store: every counter in p.uses, none
// of which may be spent; then possession: a fresh, bound, unreplayed proof
// (DPoP: of the HTTP request when one is named, else of the action on the
// resource), or the bound certificate. A proof is a replay when its jti is
// held in `seen_proofs` (replay_window.h). The proof's signature is checked
// before the read, but a spent counter is still the failure reported before
// a bad proof. Sets presenter and proof_jti as far as proven.
// With `memory`, the counts read are noted in it, and with `recall` they
// are taken from it instead of read when it has them all; without
// `may_read`, counts it does not have fail as kWouldWait.
Verdict check_uses_and_proof(store::Store& store, ledger::ClaimRegister& seen_proofs, const DecisionRequest& request,
                             const Settings& settings, core::Timestamp at, Presentation& p,
                             RememberedUses* memory = nullptr, bool recall = false, bool may_read = true);
// The action on the resource is inside the approved authorization_details.
Verdict check_scope(const token::MandateClaims& claims, const DecisionRequest& request);

// Cedar, with the executor as principal and context.mandate set. Fills the
// result's reasons, policy errors and allow.
Verdict check_policy(const Broker::PolicyContext& context, const DecisionRequest& request,
                     const nlohmann::json& user_context, const Presentation& p, DecisionResult& result);

}  // namespace mandate::broker
