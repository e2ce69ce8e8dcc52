#include "policy/authorizer.h"

#include <utility>

namespace mandate::policy {
namespace {

// Collects the outcome of each policy, visited in policy-set order.
class Outcome {
 public:
  void add(const Policy& policy, const std::expected<bool, std::string>& satisfied) {
    if (!satisfied) {
      response_.errors.push_back({policy.id, satisfied.error()});
    } else if (*satisfied) {
      (policy.effect == Effect::Forbid ? forbids_ : permits_).push_back(policy.id);
    }
  }

  Response finish() && {
    if (!forbids_.empty()) {
      response_.decision = Decision::Deny;
      response_.reasons = std::move(forbids_);
    } else if (!permits_.empty()) {
      response_.decision = Decision::Allow;
      response_.reasons = std::move(permits_);
    }
    return std::move(response_);
  }

 private:
  Response response_;
  std::vector<std::string> permits_;
  std::vector<std::string> forbids_;
};

Response authorize_indexed(const std::vector<Policy>& policies, const PolicyIndex& index, const Request& request,
                           const Entities& entities) {
  const RequestEvaluator evaluator(request, entities);
  std::vector<PolicyPosition> candidates;
  index.candidates({request.principal, evaluator.principal_entity()}, {request.action, evaluator.action_entity()},
                   {request.resource, evaluator.resource_entity()}, candidates);
  Outcome outcome;
  for (const PolicyPosition at : candidates) outcome.add(policies[at], evaluator.is_satisfied(policies[at]));
  return std::move(outcome).finish();
}

}  // namespace

Authorizer::Authorizer(PolicySet policies) : policies_(std::move(policies)), index_(policies_.policies) {}

Response Authorizer::authorize(const Request& request, const Entities& entities) const {
  return authorize_indexed(policies_.policies, index_, request, entities);
}

Response authorize(const PolicySet& policies, const Request& request, const Entities& entities) {
  return authorize_indexed(policies.policies, PolicyIndex(policies.policies), request, entities);
}

Response authorize_by_scan(const PolicySet& policies, const Request& request, const Entities& entities) {
  const RequestEvaluator evaluator(request, entities);
  Outcome outcome;
  for (const Policy& policy : policies.policies) outcome.add(policy, evaluator.is_satisfied(policy));
  return std::move(outcome).finish();
}

}  // namespace mandate::policy
