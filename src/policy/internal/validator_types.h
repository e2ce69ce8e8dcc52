#pragma once
// Private to the policy module: the build defines MANDATE_INSIDE_POLICY only for src/policy/ and tests/policy/.
#ifndef MANDATE_INSIDE_POLICY
#error "this header is internal to the policy module; include a public policy/ header instead"
#endif
// The validator's types and Cedar's strict-mode lattice over them: subtyping,
// least upper bounds and disjointness (cedar-policy-validator's types.rs is
// the reference). Internal to the validator.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "policy/schema.h"

namespace mandate::policy::vtypes {

struct VType {
  // Never is the bottom type; True/False are the singleton booleans;
  // Action is an action entity type; AnyEntity tops the entity types.
  enum class Kind { Never, True, False, Bool, Long, String, Set, Record, Entity, Action, AnyEntity, Extension };
  struct Attr {
    std::shared_ptr<const VType> type;
    bool required = true;
  };
  Kind kind = Kind::Never;
  std::string name;                      // Entity, Action, Extension
  std::shared_ptr<const VType> element;  // Set; null: any set (only as an expected type)
  std::map<std::string, Attr> attrs;     // Record
  bool open = false;                     // Record: may have undeclared attributes
};

VType simple(VType::Kind kind, std::string name = {});
VType boolean(bool value);  // True or False
VType set_of(VType element);
VType any_set();
VType any_record();  // {} with open attributes: the top of the record types
VType from_schema(const SchemaType& type);

bool operator==(const VType& a, const VType& b);
bool is_boolean(const VType& t);      // True, False or Bool
bool is_entity_like(const VType& t);  // Entity or Action

// `strict` off gives width subtyping and entity <: AnyEntity, which the
// typechecker uses to test an operand's kind even in strict mode.
bool is_subtype(const VType& a, const VType& b, bool strict);
std::optional<VType> least_upper_bound(const VType& a, const VType& b);  // strict mode
bool are_disjoint(const VType& a, const VType& b);

std::string to_string(const VType& t);

}  // namespace mandate::policy::vtypes
