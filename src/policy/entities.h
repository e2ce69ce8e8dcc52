#pragma once
// The entity store: attributes, tags and the transitive ancestor set of every
// entity, computed once at load so that `in` is a hash lookup.
#include <algorithm>
#include <expected>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "policy/schema.h"
#include "policy/value.h"

namespace mandate::policy {

struct Entity {
  EntityUid uid;
  Record attrs;
  Record tags;
  std::vector<EntityUid> parents;
  std::unordered_set<EntityUid, EntityUidHash> ancestors;  // transitive, without uid itself
};

class Entities {
 public:
  Entities() = default;
  // Takes the entities (uids must be unique) and computes every ancestor set.
  static std::expected<Entities, std::string> build(std::vector<Entity> entities);

  // A view of `base` in which `overrides` replace or add entities for one
  // request (a decision point's request-supplied attributes) without
  // copying the store. `base` must outlive the view. Each override keeps
  // the parents it names; its ancestors are computed through the view.
  static Entities overlay(const Entities& base, std::vector<Entity> overrides);

  const Entity* find(const EntityUid& uid) const;
  // The uids of every entity whose type satisfies `wanted`, sorted: what a
  // search enumerates as candidates. Includes the base's for an overlay.
  template <typename Predicate>
  std::vector<EntityUid> uids_where(Predicate wanted) const;
  // Cedar's `in` for two entities: equal, or `ancestor` is an ancestor.
  bool is_descendant_or_self(const EntityUid& uid, const EntityUid& ancestor) const;
  std::size_t size() const { return by_uid_.size(); }

 private:
  std::unordered_map<EntityUid, Entity, EntityUidHash> by_uid_;
  const Entities* base_ = nullptr;  // set only for an overlay
};

template <typename Predicate>
std::vector<EntityUid> Entities::uids_where(Predicate wanted) const {
  std::vector<EntityUid> out = base_ ? base_->uids_where(wanted) : std::vector<EntityUid>{};
  for (const auto& [uid, entity] : by_uid_) {
    if (wanted(uid) && (base_ == nullptr || base_->find(uid) == nullptr)) out.push_back(uid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Cedar's JSON value forms: `__entity` and `__extn` escapes, 64-bit integers.
std::expected<Value, std::string> value_from_json(const nlohmann::json& json);
std::expected<EntityUid, std::string> uid_from_json(const nlohmann::json& json);
// Cedar's entities JSON: an array of {uid, attrs, parents, tags?}. With a
// schema, attributes and tags are read by their declared types.
std::expected<Entities, std::string> entities_from_json(const nlohmann::json& json,
                                                        const Schema* schema = nullptr);
std::expected<Entities, std::string> parse_entities(std::string_view text, const Schema* schema = nullptr);

}  // namespace mandate::policy
