#include "policy/authorizer.h"

namespace mandate::policy {

Response authorize(const PolicySet& policies, const Request& request, const Entities& entities) {
  Response response;
  std::vector<std::string> permits;
  std::vector<std::string> forbids;
  for (const Policy& policy : policies.policies) {
    const auto satisfied = is_satisfied(policy, request, entities);
    if (!satisfied) {
      response.errors.push_back({policy.id, satisfied.error()});
    } else if (*satisfied) {
      (policy.effect == Effect::Forbid ? forbids : permits).push_back(policy.id);
    }
  }
  if (!forbids.empty()) {
    response.decision = Decision::Deny;
    response.reasons = std::move(forbids);
  } else if (!permits.empty()) {
    response.decision = Decision::Allow;
    response.reasons = std::move(permits);
  }
  return response;
}

}  // namespace mandate::policy
