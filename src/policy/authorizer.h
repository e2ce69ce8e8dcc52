#pragma once
// Cedar's authorization algorithm over a parsed policy set.
#include <string>
#include <vector>

#include "policy/ast.h"
#include "policy/entities.h"
#include "policy/evaluator.h"

namespace mandate::policy {

enum class Decision { Allow, Deny };

struct PolicyError {
  std::string policy_id;
  std::string message;
};

struct Response {
  Decision decision = Decision::Deny;
  std::vector<std::string> reasons;  // determining policy ids
  std::vector<PolicyError> errors;   // policies skipped because evaluation failed
};

// Deny by default; any satisfied forbid wins and is the reason; otherwise the
// satisfied permits allow. An erroring policy is skipped, never decisive.
Response authorize(const PolicySet& policies, const Request& request, const Entities& entities);

}  // namespace mandate::policy
