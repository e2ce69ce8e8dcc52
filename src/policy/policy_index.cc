#include "policy/policy_index.h"

#include <algorithm>

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

std::size_t PolicyIndex::VarIndex::gather(const EntityUid& uid, const Entity* entity,
                                          std::vector<const Bucket*>& out) const {
  std::size_t total = 0;
  const auto take = [&](const Bucket& bucket) {
    out.push_back(&bucket);
    total += bucket.size();
  };
  const auto take_from = [&](const auto& map, const auto& key) {
    if (map.empty()) return;
    if (const auto it = map.find(key); it != map.end()) take(it->second);
  };
  if (!any.empty()) take(any);
  take_from(eq, uid);
  take_from(is, uid.type);
  if (in.empty()) return total;
  take_from(in, uid);
  if (entity == nullptr) return total;
  // Ancestor sets are small next to a large policy set; walking them costs
  // a lookup each, whatever the number of policies.
  for (const EntityUid& ancestor : entity->ancestors) take_from(in, ancestor);
  return total;
}

void PolicyIndex::candidates(const EntityUid& principal, const EntityUid& action, const EntityUid& resource,
                             const Entities& entities, std::vector<PolicyPosition>& out) const {
  out.clear();
  std::vector<const Bucket*> buckets[3];
  const std::size_t sizes[3] = {
      principal_.gather(principal, entities.find(principal), buckets[0]),
      action_.gather(action, entities.find(action), buckets[1]),
      resource_.gather(resource, entities.find(resource), buckets[2]),
  };
  const auto smallest = static_cast<std::size_t>(std::min_element(std::begin(sizes), std::end(sizes)) - sizes);
  out.reserve(sizes[smallest]);
  for (const Bucket* bucket : buckets[smallest]) out.insert(out.end(), bucket->begin(), bucket->end());
  // Buckets are each ascending; policies are evaluated in file order so that
  // reasons and errors come out exactly as a full scan lists them.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace mandate::policy
