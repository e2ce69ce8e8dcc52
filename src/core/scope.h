#pragma once
// What a mandate allows, as RFC 9396 `authorization_details`.
//
// Semantics, chosen so that narrowing can be decided by plain set inclusion:
//  - Every string is compared exactly (byte for byte, case-sensitive). There
//    are no wildcards, prefixes or URL normalisation: "https://a/x" does not
//    cover "https://a/x/y". Pattern semantics would make "is this narrower?"
//    depend on a matcher every module must agree on; exact strings cannot be
//    misread. Broad grants are written out, or expressed in Cedar policy.
//  - A list grants exactly its members. An empty list grants nothing along
//    that dimension; it never means "anything". (If empty meant "anything",
//    adding an entry would narrow a grant, and the subset test below would be
//    unsound.) Enforcement points must read the lists the same way.
//  - `extra` carries the detail's remaining type-specific fields as one
//    canonical-JSON object, opaque to core (which parses no JSON). Because its
//    meaning is unknown here, narrowing requires it to be identical; "" and
//    "{}" both mean "no extra fields".

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::core {

struct AuthorizationDetail {
  std::string type;
  std::vector<std::string> actions;
  std::vector<std::string> locations;
  std::vector<std::string> resources;
  std::string extra;

  friend bool operator==(const AuthorizationDetail&, const AuthorizationDetail&) = default;
};

using Scope = std::vector<AuthorizationDetail>;

// True when everything `child` grants, `parent` grants too: same type,
// child's actions, locations and resources each a subset of parent's, and the
// same `extra`.
bool covers(const AuthorizationDetail& parent, const AuthorizationDetail& child);

// True when every detail of `child` is covered by some single detail of
// `parent`. A detail is never split across several parent details: that would
// combine grants that were approved separately. The empty scope is a subset of
// every scope.
bool is_subset(const Scope& child, const Scope& parent);

// Each detail has a type, well-formed entries without repeats, and an `extra`
// that is empty or delimited as a JSON object. The scope itself may be empty;
// whether that is acceptable is the caller's rule (a task must request
// something).
std::expected<void, std::string> validate_scope(const Scope& scope);

// The detail in words, for a person deciding on it: "deploy: deploy,
// rollback on prod/payments at https://eu.example (with {"max":3})". Lists
// what is there; an empty list is left out.
std::string describe(const AuthorizationDetail& detail);

}  // namespace mandate::core
