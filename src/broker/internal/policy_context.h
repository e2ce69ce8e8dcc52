#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: the Cedar side of a decision. The policy set and
// the entity data (loaded entities plus every registered actor as an entity)
// are parsed once and shared by decisions until one of them changes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
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
  // When the versions above were last found current (steady-clock ns), or
  // a negative mark, unique per change, once this process changed one of
  // them: between checks a decision reads no store record at all, so it
  // never waits behind a commit holding the store.
  mutable std::atomic<std::int64_t> checked_at{0};
};

// How late a decision may see a change made by another process on the same
// store. Changes made through this broker are seen by every decision that
// starts after they return (mark_stale), bar one racing with a rebuild
// already under way, which may keep the older context this long.
inline constexpr std::chrono::milliseconds kPolicyRecheck{100};

std::shared_ptr<const Broker::PolicyContext> build_policy_context(store::Store& store);
bool is_current(store::Store& store, const Broker::PolicyContext& context);

// The one place the policy context is cached: shared by every decision and
// evaluation until a record it was built from moves.
class PolicyContextCache {
 public:
  explicit PolicyContextCache(store::Store& store) : store_(store) {}
  // The cached context, re-checked against the store at most every
  // kPolicyRecheck, rebuilt when stale.
  std::shared_ptr<const Broker::PolicyContext> current();
  // The cached context when it was checked within kPolicyRecheck: no store
  // read. Null when current() would have to read.
  std::shared_ptr<const Broker::PolicyContext> current_if_checked();
  // After this broker changed the policy set, the entities or an actor:
  // the next current() re-checks.
  void mark_stale();

 private:
  store::Store& store_;
  std::mutex mu_;
  std::shared_ptr<const Broker::PolicyContext> context_;
};

// The stored entity `uid` with `attributes` (entity-JSON values) laid over
// its own, or a new entity carrying just them, added to `overrides` for an
// overlay of one decision. bad_input names `field` when a value is not one.
void add_override(const policy::Entities& stored, const policy::EntityUid& uid, const nlohmann::json& attributes,
                  const char* field, std::vector<policy::Entity>& overrides);

// Cedar's name for an actor: Human::"id", Workload::"id", Agent::"id".
policy::EntityUid actor_uid(const std::string& id, core::ActorKind kind);

}  // namespace mandate::broker
