#pragma once
// Index of a policy set by scope, so that a decision looks only at the
// policies whose scope can match the request instead of at all of them.
//
// Each policy lands in exactly one bucket per scope variable: unconstrained,
// `== uid`, `in uid` (also `is T in uid`), `is T`; an action `in [a, b]`
// lands in the `in` bucket of every listed uid. For a request, a variable's
// candidates are the buckets its uid, its ancestors and its type name; the
// variable with the fewest candidates is the one enumerated. Candidates are
// a superset of the matching policies (the authorizer still checks the full
// scope), so the index never changes a decision, only its cost.
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

  // Positions of every policy whose scope may match, ascending and unique.
  // `out` is cleared first; passing the same vector again reuses its memory.
  void candidates(const EntityUid& principal, const EntityUid& action, const EntityUid& resource,
                  const Entities& entities, std::vector<PolicyPosition>& out) const;

 private:
  using Bucket = std::vector<PolicyPosition>;
  using ByUid = std::unordered_map<EntityUid, Bucket, EntityUidHash>;

  // The buckets for one scope variable.
  struct VarIndex {
    Bucket any;
    ByUid eq;
    ByUid in;
    std::unordered_map<std::string, Bucket> is;

    // The buckets that can hold a policy matching `uid`, and their total size.
    std::size_t gather(const EntityUid& uid, const Entity* entity, std::vector<const Bucket*>& out) const;
  };

  void add_entity_scope(VarIndex& index, const EntityScope& scope, PolicyPosition at);
  void add_action_scope(const ActionScope& scope, PolicyPosition at);

  VarIndex principal_;
  VarIndex action_;
  VarIndex resource_;
};

}  // namespace mandate::policy
