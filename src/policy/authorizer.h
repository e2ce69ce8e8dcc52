#pragma once
// Cedar's authorization algorithm over a parsed policy set.
#include <string>
#include <vector>

#include "policy/ast.h"
#include "policy/entities.h"
#include "policy/evaluator.h"
#include "policy/policy_index.h"

namespace mandate::policy {

enum class Decision { Allow, Deny };

struct PolicyError {
  std::string policy_id;
  std::string message;
  bool operator==(const PolicyError&) const = default;
};

struct Response {
  Decision decision = Decision::Deny;
  std::vector<std::string> reasons;  // determining policy ids, in policy-set order
  std::vector<PolicyError> errors;   // policies skipped because evaluation failed, in policy-set order
  bool operator==(const Response&) const = default;
};

// A policy set prepared once (parsed and indexed by scope) to answer many
// requests: what a long-lived decision point holds. Immutable after
// construction, so concurrent authorize() calls are safe.
class Authorizer {
 public:
  Authorizer() = default;
  explicit Authorizer(PolicySet policies);

  // Deny by default; any satisfied forbid wins and is the reason; otherwise
  // the satisfied permits allow. An erroring policy is skipped, never
  // decisive. Evaluates only the policies the index offers.
  Response authorize(const Request& request, const Entities& entities) const;

  const PolicySet& policies() const { return policies_; }
  const PolicyIndex& index() const { return index_; }

 private:
  PolicySet policies_;
  PolicyIndex index_;
};

// One-off decision: indexes `policies` for this request only. A caller with
// many requests against one set keeps an Authorizer instead.
Response authorize(const PolicySet& policies, const Request& request, const Entities& entities);

// Evaluates every policy of the set, without the index: the reference the
// index is tested and benchmarked against.
Response authorize_by_scan(const PolicySet& policies, const Request& request, const Entities& entities);

}  // namespace mandate::policy
