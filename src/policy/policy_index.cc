#include "policy/policy_index.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace mandate::policy {

PolicyIndex::PolicyIndex(const std::vector<Policy>& policies) : policy_count_(policies.size()) {
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
    for (std::size_t i = 0; i < count_; ++i) out.insert(out.end(), bucket(i).begin(), bucket(i).end());
  }
  // Whether any of the buckets holds `at`: a binary search in each, as each
  // bucket is ascending.
  bool holds(PolicyPosition at) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (std::binary_search(bucket(i).begin(), bucket(i).end(), at)) return true;
    }
    return false;
  }
  // Sets the bit of every position the buckets hold.
  void mark(std::vector<std::uint64_t>& bits) const {
    for (std::size_t i = 0; i < count_; ++i) {
      for (const PolicyPosition at : bucket(i)) bits[at / 64] |= std::uint64_t{1} << (at % 64);
    }
  }
  std::size_t buckets() const { return count_; }

 private:
  const Bucket& bucket(std::size_t i) const { return i < inline_.size() ? *inline_[i] : *overflow_[i - inline_.size()]; }

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

namespace {

// Below this many candidates, evaluating them costs less than narrowing.
constexpr std::size_t kNarrowFrom = 16;
// A variable narrows the candidates when its buckets hold at most this many
// times as many policies: a binary search per candidate and bucket when they
// are few, else a bit per policy; either well below evaluating a policy.
constexpr std::size_t kNarrowBuckets = 4;
constexpr std::size_t kNarrowRatio = 32;

}  // namespace

void PolicyIndex::candidates(Var principal, Var action, Var resource, std::vector<PolicyPosition>& out) const {
  out.clear();
  // Every variable's buckets, as far as they stay within reach of the
  // narrowest: a policy can match only if it is in all three.
  std::array<Gathered, 3> gathered;
  std::array<bool, 3> whole{};
  whole[0] = resource_.gather(resource, SIZE_MAX, gathered[0]);
  const std::size_t reach = std::max(gathered[0].total(), kNarrowFrom) * kNarrowRatio;
  whole[1] = principal_.gather(principal, reach, gathered[1]);
  whole[2] = action_.gather(action, reach, gathered[2]);
  std::size_t best = 0;
  for (std::size_t v = 1; v < 3; ++v) {
    if (whole[v] && gathered[v].total() < gathered[best].total()) best = v;
  }
  out.reserve(gathered[best].total());
  gathered[best].append_to(out);
  // Buckets are each ascending; policies are evaluated in file order so that
  // reasons and errors come out exactly as a full scan lists them.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() < kNarrowFrom) return;
  std::vector<std::uint64_t> bits;
  for (std::size_t v = 0; v < 3; ++v) {
    const Gathered& other = gathered[v];
    if (v == best || !whole[v] || other.total() > out.size() * kNarrowRatio) continue;
    if (other.buckets() <= kNarrowBuckets) {
      std::erase_if(out, [&](PolicyPosition at) { return !other.holds(at); });
    } else {
      // Many buckets (a principal in many groups): their positions marked
      // once, then each candidate looked up.
      bits.assign((policy_count_ + 63) / 64, 0);
      other.mark(bits);
      std::erase_if(out, [&](PolicyPosition at) { return (bits[at / 64] >> (at % 64) & 1) == 0; });
    }
  }
}

void PolicyIndex::candidates(const EntityUid& principal, const EntityUid& action, const EntityUid& resource,
                             const Entities& entities, std::vector<PolicyPosition>& out) const {
  candidates({principal, entities.find(principal)}, {action, entities.find(action)},
             {resource, entities.find(resource)}, out);
}

}  // namespace mandate::policy
