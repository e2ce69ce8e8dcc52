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

// Everything about one request that every policy needs: the variables as
// values and the request's entities looked up once, so that evaluating many
// policies does not repeat that work. Holds references: the request and the
// store must outlive it. Immutable once built, so safe to share.
class RequestEvaluator {
 public:
  RequestEvaluator(const Request& request, const Entities& entities);
  RequestEvaluator(const RequestEvaluator&) = delete;
  RequestEvaluator& operator=(const RequestEvaluator&) = delete;

  // Evaluation errors (type errors, overflow, missing attributes) surface
  // as the message; the authorizer turns them into "policy errored".
  std::expected<Value, std::string> evaluate(const Expr& expr) const;
  // True when the scope matches and every `when` holds and no `unless` holds.
  std::expected<bool, std::string> is_satisfied(const Policy& policy) const;

  // The store's entries for the request's entities (nullptr: not stored).
  const Entity* principal_entity() const { return principal_entity_; }
  const Entity* action_entity() const { return action_entity_; }
  const Entity* resource_entity() const { return resource_entity_; }

 private:
  friend class ExpressionWalk;  // the tree walk, in evaluator.cc

  bool scope_matches(const EntityScope& scope, const EntityUid& uid, const Entity* entity) const;
  bool action_matches(const ActionScope& scope) const;

  const Request& request_;
  const Entities& entities_;
  const Value principal_, action_, resource_;
  const Entity* const principal_entity_;  // nullptr: not in the store
  const Entity* const action_entity_;
  const Entity* const resource_entity_;
};

std::expected<Value, std::string> evaluate(const Expr& expr, const Request& request, const Entities& entities);
std::expected<bool, std::string> is_satisfied(const Policy& policy, const Request& request, const Entities& entities);

// Cedar `like`: `*` matches any run of code points (including none).
bool matches_pattern(std::string_view text, const std::vector<PatternElem>& pattern);

}  // namespace mandate::policy
