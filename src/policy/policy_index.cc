#include "policy/policy_index.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace mandate::policy {

PolicyIndex::PolicyIndex(const std::vector<Policy>& policies) {
  for (PolicyPosition at = 0; at < policies.size(); ++at) {
    const Policy& policy = policies[at];
    add_entity_scope(principal_, policy.principal, at);
    add_action_scope(policy.action, at);
    add_entity_scope(resource_, policy.resource, at);
  }
}

void PolicyIndex::add_entity_scope(VarIndex& index, const EntityScope& scope, PolicyPosition at) {
  switch (scope.kind) {
    case EntityScope::Kind::Any:
      index.any.push_back(at);
      return;
    case EntityScope::Kind::Eq:
      index.eq[scope.entity].push_back(at);
      return;
    case EntityScope::Kind::In:
    case EntityScope::Kind::IsIn:  // the type is checked with the full scope
      index.in[scope.entity].push_back(at);
      return;
    case EntityScope::Kind::Is:
      index.is[scope.entity_type].push_back(at);
      return;
  }
}

void PolicyIndex::add_action_scope(const ActionScope& scope, PolicyPosition at) {
  switch (scope.kind) {
    case ActionScope::Kind::Any:
      action_.any.push_back(at);
      return;
    case ActionScope::Kind::Eq:
      action_.eq[scope.entities.front()].push_back(at);
      return;
    case ActionScope::Kind::In:
      for (const EntityUid& group : scope.entities) {
        Bucket& bucket = action_.in[group];
        // `in [a, a]` must not list the policy twice in one bucket.
        if (bucket.empty() || bucket.back() != at) bucket.push_back(at);
      }
      return;
  }
}

// The buckets gathered for one variable. Almost every request has a
// handful of ancestors: an inline array avoids an allocation per decision.
class PolicyIndex::Gathered {
 public:
  void add(const Bucket& bucket) {
    if (bucket.empty()) return;
    if (count_ < inline_.size()) {
      inline_[count_] = &bucket;
    } else {
      overflow_.push_back(&bucket);
    }
    ++count_;
    total_ += bucket.size();
  }
  std::size_t total() const { return total_; }
  void clear() {
    count_ = total_ = 0;
    overflow_.clear();
  }
  void append_to(std::vector<PolicyPosition>& out) const {
    for (std::size_t i = 0; i < count_; ++i) {
      const Bucket& b = i < inline_.size() ? *inline_[i] : *overflow_[i - inline_.size()];
      out.insert(out.end(), b.begin(), b.end());
    }
  }

 private:
  std::array<const Bucket*, 16> inline_{};
  std::vector<const Bucket*> overflow_;
  std::size_t count_ = 0, total_ = 0;
};

bool PolicyIndex::VarIndex::gather(Var var, std::size_t limit, Gathered& out) const {
  const auto take_from = [&](const auto& map, const auto& key) {
    if (map.empty()) return;
    if (const auto it = map.find(key); it != map.end()) out.add(it->second);
  };
  out.add(any);
  take_from(eq, var.uid);
  take_from(is, var.uid.type);
  take_from(in, var.uid);
  if (var.entity != nullptr && !in.empty()) {
    // Ancestor sets are small next to a large policy set; walking them
    // costs a lookup each, whatever the number of policies.
    for (const EntityUid& ancestor : var.entity->ancestors) {
      if (out.total() > limit) return false;
      take_from(in, ancestor);
    }
  }
  return out.total() <= limit;
}

void PolicyIndex::candidates(Var principal, Var action, Var resource, std::vector<PolicyPosition>& out) const {
  out.clear();
  // Resource and principal scopes are usually the narrow ones: they go
  // first, so the others can stop as soon as they are no better.
  Gathered best, other;
  resource_.gather(resource, SIZE_MAX, best);
  if (principal_.gather(principal, best.total(), other)) std::swap(best, other);
  other.clear();
  if (action_.gather(action, best.total(), other)) std::swap(best, other);
  out.reserve(best.total());
  best.append_to(out);
  // Buckets are each ascending; policies are evaluated in file order so that
  // reasons and errors come out exactly as a full scan lists them.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

void PolicyIndex::candidates(const EntityUid& principal, const EntityUid& action, const EntityUid& resource,
                             const Entities& entities, std::vector<PolicyPosition>& out) const {
  candidates({principal, entities.find(principal)}, {action, entities.find(action)},
             {resource, entities.find(resource)}, out);
}

}  // namespace mandate::policy
