#include "policy/entities.h"

#include <nlohmann/json.hpp>

namespace mandate::policy {

namespace {

bool same_entity(const Entity& a, const Entity& b) {
  const std::unordered_set<EntityUid, EntityUidHash> a_parents(a.parents.begin(), a.parents.end());
  const std::unordered_set<EntityUid, EntityUidHash> b_parents(b.parents.begin(), b.parents.end());
  return a.attrs == b.attrs && a.tags == b.tags && a_parents == b_parents;
}

}  // namespace

std::expected<Entities, std::string> Entities::build(std::vector<Entity> entities) {
  Entities out;
  auto& index = out.by_uid_;
  for (auto& e : entities) {
    // The reference rejects a duplicate uid rather than picking one, unless
    // both entries say the same thing.
    if (const auto it = index.find(e.uid); it != index.end()) {
      if (same_entity(it->second, e)) continue;
      return std::unexpected("duplicate entity " + to_string(Value{e.uid}));
    }
    EntityUid uid = e.uid;
    index.emplace(std::move(uid), std::move(e));
  }
  // Depth-first closure: each entity walks its parents' chains once,
  // stopping at entities already visited.
  for (auto& [uid, entity] : index) {
    std::vector<EntityUid> stack(entity.parents.begin(), entity.parents.end());
    while (!stack.empty()) {
      EntityUid next = std::move(stack.back());
      stack.pop_back();
      if (!entity.ancestors.insert(next).second) continue;
      if (const auto it = index.find(next); it != index.end()) {
        stack.insert(stack.end(), it->second.parents.begin(), it->second.parents.end());
      }
    }
    // The reference refuses a hierarchy with a cycle (an entity among its
    // own ancestors) rather than reading `in` through it.
    if (entity.ancestors.contains(uid)) {
      return std::unexpected("the entity hierarchy has a cycle containing " + to_string(Value{uid}));
    }
  }
  return out;
}

Entities Entities::overlay(const Entities& base, std::vector<Entity> overrides) {
  Entities out;
  out.base_ = &base;
  for (auto& e : overrides) {
    EntityUid uid = e.uid;
    out.by_uid_.insert_or_assign(std::move(uid), std::move(e));
  }
  for (auto& [uid, entity] : out.by_uid_) {
    entity.ancestors.clear();
    std::vector<EntityUid> stack(entity.parents.begin(), entity.parents.end());
    while (!stack.empty()) {
      EntityUid next = std::move(stack.back());
      stack.pop_back();
      if (next == uid || !entity.ancestors.insert(next).second) continue;
      if (const Entity* parent = out.find(next)) stack.insert(stack.end(), parent->parents.begin(), parent->parents.end());
    }
  }
  return out;
}

const Entity* Entities::find(const EntityUid& uid) const {
  if (const auto it = by_uid_.find(uid); it != by_uid_.end()) return &it->second;
  return base_ ? base_->find(uid) : nullptr;
}

bool Entities::is_descendant_or_self(const EntityUid& uid, const EntityUid& ancestor) const {
  if (uid == ancestor) return true;
  const Entity* e = find(uid);
  return e != nullptr && e->ancestors.contains(ancestor);
}

std::expected<EntityUid, std::string> uid_from_json(const nlohmann::json& json) {
  const nlohmann::json* obj = &json;
  if (json.is_object() && json.contains("__entity")) obj = &json.at("__entity");
  if (!obj->is_object() || !obj->contains("type") || !obj->contains("id") || !(*obj)["type"].is_string() ||
      !(*obj)["id"].is_string()) {
    return std::unexpected("expected an entity uid {\"type\", \"id\"}, got " + json.dump());
  }
  return EntityUid{(*obj)["type"].get<std::string>(), (*obj)["id"].get<std::string>()};
}

namespace {

std::expected<Value, std::string> extension_from_json(const nlohmann::json& extn) {
  if (!extn.is_object() || !extn.contains("fn") || !extn["fn"].is_string())
    return std::unexpected("bad __extn");
  const auto fn = extn["fn"].get<std::string>();
  // Two-argument calls: only datetime.offset(duration) appears in Cedar JSON.
  if (fn == "offset" && extn.contains("args") && extn["args"].is_array() && extn["args"].size() == 2) {
    auto base = value_from_json(extn["args"][0]);
    auto span = value_from_json(extn["args"][1]);
    if (!base || !span) return std::unexpected(!base ? base.error() : span.error());
    const auto* dt = std::get_if<Datetime>(&base->data);
    const auto* dur = std::get_if<Duration>(&span->data);
    std::int64_t ms = 0;
    if (dt == nullptr || dur == nullptr || __builtin_add_overflow(dt->ms, dur->ms, &ms)) {
      return std::unexpected("invalid offset arguments");
    }
    return Value{Datetime{ms}};
  }
  if (!extn.contains("arg") || !extn["arg"].is_string()) return std::unexpected("unsupported __extn " + fn);
  const auto arg = extn["arg"].get<std::string>();
  if (fn == "decimal") {
    if (auto d = parse_decimal(arg)) return Value{*d};
    return std::unexpected("invalid decimal " + arg);
  }
  if (fn == "ip" || fn == "ipaddr") {
    if (auto ip = parse_ip(arg)) return Value{*ip};
    return std::unexpected("invalid ip " + arg);
  }
  if (fn == "datetime") {
    if (auto d = parse_datetime(arg)) return Value{*d};
    return std::unexpected("invalid datetime " + arg);
  }
  if (fn == "duration") {
    if (auto d = parse_duration(arg)) return Value{*d};
    return std::unexpected("invalid duration " + arg);
  }
  return std::unexpected("unsupported extension function " + fn);
}

bool is_extension_call(const nlohmann::json& extn) {
  return extn.is_object() && extn.contains("fn") && extn["fn"].is_string() &&
         (extn.contains("arg") || (extn.contains("args") && extn["args"].is_array()));
}

// `field_type` types every member (tags); `record_type` types each by name
// (attributes); with neither, members are read without a schema.
std::expected<Record, std::string> record_from_json(const nlohmann::json& json,
                                                    const SchemaType* record_type = nullptr,
                                                    const SchemaType* field_type = nullptr) {
  if (json.is_null()) return Record{};
  if (!json.is_object()) return std::unexpected("expected an object, got " + json.dump());
  Record out;
  for (const auto& [key, val] : json.items()) {
    const SchemaType* type = field_type;
    if (record_type != nullptr) {
      for (const auto& [name, t] : record_type->fields) {
        if (name == key) type = &t;
      }
    }
    auto v = type != nullptr ? value_from_json(val, *type) : value_from_json(val);
    if (!v) return std::unexpected(v.error());
    out.emplace(key, std::move(*v));
  }
  return out;
}

}  // namespace

std::expected<Value, std::string> value_from_json(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Value{json.get<bool>()};
    case nlohmann::json::value_t::number_integer:
      return Value{json.get<std::int64_t>()};
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = json.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return std::unexpected("integer out of range: " + json.dump());
      }
      return Value{static_cast<std::int64_t>(u)};
    }
    case nlohmann::json::value_t::string:
      return Value{json.get<std::string>()};
    case nlohmann::json::value_t::array: {
      std::vector<Value> elements;
      for (const auto& item : json) {
        auto v = value_from_json(item);
        if (!v) return v;
        elements.push_back(std::move(*v));
      }
      return make_set(std::move(elements));
    }
    case nlohmann::json::value_t::object: {
      // An object that only looks like an escape (`__entity` without an
      // id, `__extn` without `fn` and `arg`) is a record, as the
      // reference's untagged JSON reading has it.
      if (json.size() == 1 && json.contains("__entity")) {
        if (auto uid = uid_from_json(json)) return Value{std::move(*uid)};
      }
      if (json.size() == 1 && json.contains("__extn") && is_extension_call(json["__extn"])) {
        return extension_from_json(json["__extn"]);
      }
      auto rec = record_from_json(json);
      if (!rec) return std::unexpected(rec.error());
      return make_record(std::move(*rec));
    }
    default:
      return std::unexpected("unsupported JSON value " + json.dump());
  }
}

namespace {
const SchemaType* lookup(const std::unordered_map<std::string, SchemaType>* types, const std::string& name) {
  if (types == nullptr) return nullptr;
  const auto it = types->find(name);
  return it == types->end() ? nullptr : &it->second;
}
}  // namespace

std::expected<Entities, std::string> entities_from_json(const nlohmann::json& json, const Schema* schema) {
  if (!json.is_array()) return std::unexpected("entities JSON must be an array");
  std::vector<Entity> list;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("uid"))
      return std::unexpected("entity without uid: " + item.dump());
    // As in the reference: `attrs` and `parents` are required, and `tags`,
    // when present, is an object too.
    if (!item.contains("attrs") || !item["attrs"].is_object() || !item.contains("parents") ||
        !item["parents"].is_array() || (item.contains("tags") && !item["tags"].is_object())) {
      return std::unexpected("entity " + item["uid"].dump() +
                             ": needs \"attrs\" (an object) and \"parents\" (an array); \"tags\" is an object");
    }
    Entity e;
    auto uid = uid_from_json(item["uid"]);
    if (!uid) return std::unexpected(uid.error());
    e.uid = std::move(*uid);
    if (item.contains("attrs")) {
      auto attrs =
          record_from_json(item["attrs"], lookup(schema ? &schema->entity_attrs : nullptr, e.uid.type));
      if (!attrs) return std::unexpected(attrs.error());
      e.attrs = std::move(*attrs);
    }
    if (item.contains("tags")) {
      auto tags = record_from_json(item["tags"], nullptr,
                                   lookup(schema ? &schema->entity_tags : nullptr, e.uid.type));
      if (!tags) return std::unexpected(tags.error());
      e.tags = std::move(*tags);
    }
    if (item.contains("parents")) {
      for (const auto& p : item["parents"]) {
        auto parent = uid_from_json(p);
        if (!parent) return std::unexpected(parent.error());
        // The reference keeps action groups among actions.
        if (is_action_type(e.uid.type) && !is_action_type(parent->type)) {
          return std::unexpected("action " + to_string(Value{e.uid}) + " has a non-action parent " +
                                 to_string(Value{*parent}));
        }
        e.parents.push_back(std::move(*parent));
      }
    }
    list.push_back(std::move(e));
  }
  return Entities::build(std::move(list));
}

std::expected<Entities, std::string> parse_entities(std::string_view text, const Schema* schema) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return std::unexpected("entities: invalid JSON");
  return entities_from_json(json, schema);
}

}  // namespace mandate::policy
