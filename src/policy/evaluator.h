#pragma once
// Evaluates expressions and policy conditions for one request.
#include <expected>
#include <string>

#include "policy/ast.h"
#include "policy/entities.h"

namespace mandate::policy {

struct Request {
  EntityUid principal;
  EntityUid action;
  EntityUid resource;
  Value context = make_record({});
};

// Evaluation errors (type errors, overflow, missing attributes) surface as
// this message; the authorizer turns them into "policy errored".
std::expected<Value, std::string> evaluate(const Expr& expr, const Request& request,
                                           const Entities& entities);

// True when the scope matches and every `when` holds and no `unless` holds.
std::expected<bool, std::string> is_satisfied(const Policy& policy, const Request& request,
                                              const Entities& entities);

// Cedar `like`: `*` matches any run of code points (including none).
bool matches_pattern(std::string_view text, const std::vector<PatternElem>& pattern);

}  // namespace mandate::policy
