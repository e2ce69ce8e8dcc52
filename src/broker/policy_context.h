#pragma once
// Internal to the broker: the Cedar side of a decision. The policy set and
// the entity data (loaded entities plus every registered actor as an entity)
// are parsed once and shared by decisions until one of them changes.
#include <memory>
#include <string>

#include "broker/broker.h"
#include "policy/authorizer.h"
#include "policy/entities.h"

namespace mandate::store {
class Store;
}

namespace mandate::broker {

struct Broker::PolicyContext {
  std::int64_t policy_version = 0;
  std::int64_t entities_version = 0;
  std::int64_t actors_version = 0;
  std::string policy_set_hash;  // "" when no policy set was ever loaded
  policy::Authorizer authorizer;  // parsed and indexed by scope once
  policy::Entities entities;
};

std::shared_ptr<const Broker::PolicyContext> build_policy_context(store::Store& store);
bool is_current(store::Store& store, const Broker::PolicyContext& context);

// Cedar's name for an actor: Human::"id", Workload::"id", Agent::"id".
policy::EntityUid actor_uid(const std::string& id, core::ActorKind kind);

}  // namespace mandate::broker
