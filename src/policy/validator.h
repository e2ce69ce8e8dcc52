#pragma once
// Strict validation of policies against a schema, with the reference's
// outcomes (cedar-policy-validator 4.13 in strict mode): unknown entity types
// and actions, enumerated ids, and a typecheck of every policy in every
// request environment the schema allows are errors; scopes no action applies
// to and policies that are false in every environment are warnings.
#include <string>
#include <vector>

#include "policy/ast.h"
#include "policy/schema.h"

namespace mandate::policy {

struct ValidationIssue {
  std::string policy_id;
  SourcePos pos;  // where in the policy text
  std::string message;
  std::string to_string() const;  // "line:column: for policy `id`, message"
};

struct ValidationResult {
  std::vector<ValidationIssue> errors;
  // Not failures: policies that can never apply (a scope no action applies
  // to, or false in every environment), in the reference's order.
  std::vector<ValidationIssue> warnings;
  bool passed() const { return errors.empty(); }
};

// Validates every policy and template of the set (template-linked policies
// are concrete and validated as such).
ValidationResult validate(const PolicySet& policies, const Schema& schema);

}  // namespace mandate::policy
