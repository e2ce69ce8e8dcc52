#pragma once
// Index of a policy set by scope, so that a decision looks only at the
// policies whose scope can match the request instead of at all of them.
//
// Each policy lands in exactly one bucket per scope variable: unconstrained,
// `== uid`, `in uid` (also `is T in uid`), `is T`; an action `in [a, b]`
// lands in the `in` bucket of every listed uid. For a request, a variable's
// candidates are the buckets its uid, its ancestors and its type name; the
// variable with the fewest candidates is the one enumerated, and when they
// are many, the other variables' buckets narrow them (a policy must be in
// all three). Candidates are a superset of the matching policies (the
// authorizer still checks the full scope), so the index never changes a
// decision, only its cost.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/ast.h"
#include "policy/entities.h"

namespace mandate::policy {

using PolicyPosition = std::uint32_t;  // the policy's place in its set (file order)

class PolicyIndex {
 public:
  PolicyIndex() = default;
  explicit PolicyIndex(const std::vector<Policy>& policies);

  // A request variable: its uid and its entry in the store (nullptr when
  // the store does not hold it).
  struct Var {
    const EntityUid& uid;
    const Entity* entity;
  };

  // Positions of every policy whose scope may match, ascending and unique.
  // `out` is cleared first; passing the same vector again reuses its memory.
  void candidates(Var principal, Var action, Var resource, std::vector<PolicyPosition>& out) const;
  void candidates(const EntityUid& principal, const EntityUid& action, const EntityUid& resource,
                  const Entities& entities, std::vector<PolicyPosition>& out) const;

 private:
  using Bucket = std::vector<PolicyPosition>;
  using ByUid = std::unordered_map<EntityUid, Bucket, EntityUidHash>;

  class Gathered;

  // The buckets for one scope variable.
  struct VarIndex {
    Bucket any;
    ByUid eq;
    ByUid in;
    std::unordered_map<std::string, Bucket> is;

    // Collects the buckets that can hold a policy matching `var`; stops
    // early, returning false, once they hold more than `limit` policies.
    bool gather(Var var, std::size_t limit, Gathered& out) const;
  };

  void add_entity_scope(VarIndex& index, const EntityScope& scope, PolicyPosition at);
  void add_action_scope(const ActionScope& scope, PolicyPosition at);

  std::size_t policy_count_ = 0;
  VarIndex principal_;
  VarIndex action_;
  VarIndex resource_;
};

}  // namespace mandate::policy
