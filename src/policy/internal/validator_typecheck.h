#pragma once
// Private to the policy module: the build defines MANDATE_INSIDE_POLICY only for src/policy/ and tests/policy/.
#ifndef MANDATE_INSIDE_POLICY
#error "this header is internal to the policy module; include a public policy/ header instead"
#endif
// The typechecker behind validate(): one policy in one request environment,
// following cedar-policy-validator's typecheck.rs in strict mode (type-level
// booleans short-circuit `&&`, `||` and `if`; `has` and `hasTag` give
// capabilities that make later accesses safe). Internal to the validator.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/ast.h"
#include "policy/schema.h"
#include "policy/validator.h"
#include "policy/internal/validator_types.h"

namespace mandate::policy::typecheck {

// What the typechecker needs from the schema, computed once.
struct SchemaIndex {
  explicit SchemaIndex(const Schema& schema);
  const Schema& schema;
  std::map<std::string, vtypes::VType> attrs;                // entity type -> record type
  std::map<std::string, vtypes::VType> tags;                 // entity type -> tag type
  std::map<std::string, std::set<std::string>> descendants;  // entity type -> types that may be in it
  std::map<EntityUid, std::set<EntityUid>> action_descendants;
  std::map<EntityUid, vtypes::VType> contexts;

  static bool is_action_type(const std::string& type);
  // Entity types a value of type `lhs` may be `in` a value of type `rhs`.
  bool may_be_in(const std::string& lhs, const std::string& rhs) const;
  // `rhs` actions with their descendants; nullopt if one is not declared.
  std::optional<std::set<EntityUid>> actions_in(const std::vector<EntityUid>& rhs) const;
};

struct RequestEnv {
  std::string principal;
  EntityUid action;
  std::string resource;
  std::optional<std::string> principal_slot;  // entity type a template's ?principal is linked to
  std::optional<std::string> resource_slot;
};

enum class Outcome { Typed, TypedFalse, Failed };

// Typechecks `policy`'s scope and conditions as one boolean expression;
// errors are appended to `errors`.
Outcome typecheck_policy(const SchemaIndex& index, const RequestEnv& env, const Policy& policy,
                         std::vector<ValidationIssue>& errors);

}  // namespace mandate::policy::typecheck
