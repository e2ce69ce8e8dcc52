#pragma once
// A generated, realistic Cedar workload for the policy benchmarks: a
// 10,000-entity organisation (users in teams in teams in departments,
// documents in folders in root folders, actions in action groups), policy
// sets of any size drawn from the same templates, and requests. Everything
// is produced as Cedar text and entities JSON, so that mandate and the
// reference engine read exactly the same input.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "policy/entities.h"
#include "policy/evaluator.h"

namespace mandate::bench {

inline constexpr std::size_t kWorkloadEntities = 10'000;

struct WorkloadRequest {
  policy::Request request;
  std::string json;  // {principal, action, resource, context, slice}
};

class PolicyWorkload {
 public:
  explicit PolicyWorkload(std::uint64_t seed);

  // Entities JSON for the whole organisation (kWorkloadEntities entities).
  const std::string& entities_json() const { return entities_json_; }

  // `count` policies: a fixed handful of organisation-wide rules, the rest
  // grants and denials scoped to a user, team, department, folder or
  // document, as a large deployment accumulates them.
  std::string policies(std::size_t count, std::uint64_t seed) const;

  // Requests against the policies of `policies(count, seed)`: half aimed
  // at a grant of that set (a member of its group, a document of its
  // folder), half at random, so that both allows and denies occur.
  // `entities` is the store loaded from entities_json(); each request's
  // JSON lists the entities a per-request caller would pass (`slice`).
  std::vector<WorkloadRequest> requests(std::size_t policy_count, std::uint64_t policy_seed, std::size_t count,
                                        const policy::Entities& entities) const;

 private:
  // What a generated policy applies to, so requests can be aimed at it.
  struct Scope {
    policy::EntityUid principal;       // a user, team or department
    std::vector<std::string> actions;  // the concrete actions it covers
    policy::EntityUid resource;        // a document or folder
  };
  struct Generated {
    std::string text;
    Scope scope;
  };

  std::vector<Generated> generate(std::size_t count, std::uint64_t seed) const;
  Generated specific_policy(std::mt19937_64& rng) const;
  policy::EntityUid member_of(const policy::EntityUid& group, std::mt19937_64& rng) const;
  policy::EntityUid document_in(const policy::EntityUid& folder, std::mt19937_64& rng) const;
  policy::Value random_context(std::mt19937_64& rng) const;

  void build_entities(std::mt19937_64& rng);

  std::vector<std::vector<std::size_t>> team_members_;  // users per team
  std::vector<std::vector<std::size_t>> folder_docs_;   // documents per folder
  std::string entities_json_;
};

}  // namespace mandate::bench
