#include "policy/schema.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>

#include "policy/entities.h"
#include "policy/internal/schema_text.h"

namespace mandate::policy {
namespace {

using namespace schema_raw;

struct ResolveError {
  std::string where;
  std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& message) { throw ResolveError{where, message}; }

std::string qualify(const std::string& ns, const std::string& name) { return ns.empty() ? name : ns + "::" + name; }

std::optional<SchemaType> builtin(const std::string& name) {
  SchemaType t;
  if (name == "Bool" || name == "Boolean") {
    t.kind = SchemaType::Kind::Bool;
  } else if (name == "Long") {
    t.kind = SchemaType::Kind::Long;
  } else if (name == "String") {
    t.kind = SchemaType::Kind::String;
  } else if (name == "ipaddr" || name == "decimal" || name == "datetime" || name == "duration") {
    t.kind = SchemaType::Kind::Extension;
    t.name = name;
  } else {
    return std::nullopt;
  }
  return t;
}

// Turns declarations into the model. Cedar's name resolution: an unqualified
// name inside namespace NS means, in order, the common type NS::N, the
// entity type NS::N, the common type N, the entity type N (both from the
// empty namespace), then the built-in type N. `__cedar::N` is always the
// built-in.
class Resolver {
 public:
  explicit Resolver(const Declarations& decls) : decls_(decls) {}

  Schema resolve() {
    declare();
    Schema schema;
    for (const auto& ns : decls_) {
      for (const auto& e : ns.entities) schema.entity_types[qualify(ns.name, e.name)] = entity(ns.name, e);
      for (const auto& a : ns.actions) {
        schema.actions[EntityUid{qualify(ns.name, "Action"), a.id}] = action(ns.name, a);
      }
    }
    check_action_cycles(schema);
    for (const auto& [name, def] : schema.entity_types) {
      schema.entity_attrs[name] = def.attrs;
      if (def.tags) schema.entity_tags[name] = *def.tags;
    }
    for (const auto& [uid, def] : schema.actions) schema.action_context[uid.type + "::" + uid.id] = def.context;
    return schema;
  }

 private:
  void declare() {
    for (const auto& ns : decls_) {
      if (ns.name.starts_with("__cedar")) fail("", "the namespace __cedar is reserved");
      for (const auto& c : ns.commons) {
        if (!commons_.emplace(qualify(ns.name, c.name), std::make_pair(&c, ns.name)).second)
          fail(c.where, "common type " + qualify(ns.name, c.name) + " is declared twice");
      }
      for (const auto& e : ns.entities) {
        if (!entity_names_.insert(qualify(ns.name, e.name)).second)
          fail(e.where, "entity type " + qualify(ns.name, e.name) + " is declared twice");
      }
      for (const auto& a : ns.actions) {
        if (!action_names_.emplace(EntityUid{qualify(ns.name, "Action"), a.id}, a.where).second)
          fail(a.where, "action \"" + a.id + "\" is declared twice");
      }
    }
  }

  std::optional<SchemaType> common(const std::string& qualified) {
    const auto it = commons_.find(qualified);
    if (it == commons_.end()) return std::nullopt;
    if (resolving_.contains(qualified)) fail(it->second.first->where, "common type " + qualified + " refers to itself");
    // Common types are expanded in place; nesting can double the model at
    // every level, so a hostile schema is refused before it is expanded.
    if (expanded_size(qualified) > kMaxExpandedTypes)
      fail(it->second.first->where, "common type " + qualified + " is too large once expanded");
    resolving_.insert(qualified);
    SchemaType t = type(it->second.second, it->second.first->type);
    resolving_.erase(qualified);
    return t;
  }

  // Nodes in the expansion of a common type (saturating; cycles count as
  // small here and are reported by common()).
  std::size_t expanded_size(const std::string& qualified) {
    if (const auto it = sizes_.find(qualified); it != sizes_.end()) return it->second;
    sizes_[qualified] = 1;
    const auto& [decl, ns] = commons_.at(qualified);
    const std::size_t size = ref_size(ns, decl->type);
    sizes_[qualified] = size;
    return size;
  }

  std::size_t ref_size(const std::string& ns, const TypeRef& ref) {
    std::size_t size = 1;
    if (ref.kind == TypeRef::Kind::Name && !ref.name.starts_with("__cedar::")) {
      const bool qualified = ref.name.find("::") != std::string::npos;
      for (const auto& c : {qualified ? ref.name : qualify(ns, ref.name), ref.name}) {
        if (commons_.contains(c)) return expanded_size(c);
        if (entity_names_.contains(c)) return 1;
      }
    }
    for (const auto& e : ref.element) size += ref_size(ns, e);
    for (const auto& [name, field] : ref.fields) size = std::min(size + ref_size(ns, field), kMaxExpandedTypes + 1);
    return size;
  }

  static SchemaType entity_type(const std::string& name) {
    SchemaType t;
    t.kind = SchemaType::Kind::Entity;
    t.name = name;
    return t;
  }

  SchemaType named(const std::string& ns, const std::string& name, const std::string& where) {
    if (name.starts_with("__cedar::")) {
      if (auto b = builtin(name.substr(9))) return *b;
      fail(where, "unknown built-in type " + name);
    }
    const bool qualified = name.find("::") != std::string::npos;
    std::vector<std::string> candidates{qualified ? name : qualify(ns, name)};
    if (!ns.empty() && !qualified) candidates.push_back(name);
    for (const auto& c : candidates) {
      if (auto t = common(c)) return *t;
      if (entity_names_.contains(c)) return entity_type(c);
    }
    if (name.find("::") == std::string::npos) {
      if (auto b = builtin(name)) return *b;
    }
    fail(where, "undeclared type " + name);
  }

  std::string entity_name(const std::string& ns, const std::string& name, const std::string& where) const {
    if (entity_names_.contains(qualify(ns, name))) return qualify(ns, name);
    if (entity_names_.contains(name)) return name;
    fail(where, "undeclared entity type " + name);
  }

  SchemaType type(const std::string& ns, const TypeRef& ref) {
    SchemaType t;
    switch (ref.kind) {
      case TypeRef::Kind::Name:
        t = named(ns, ref.name, ref.where);
        break;
      case TypeRef::Kind::Entity:
        t = entity_type(entity_name(ns, ref.name, ref.where));
        break;
      case TypeRef::Kind::Primitive:
        t = *builtin(ref.name);
        break;
      case TypeRef::Kind::Extension: {
        auto b = builtin(ref.name);
        if (!b || b->kind != SchemaType::Kind::Extension) fail(ref.where, "unknown extension type " + ref.name);
        t = *b;
        break;
      }
      case TypeRef::Kind::Set:
        t.kind = SchemaType::Kind::Set;
        t.element.push_back(type(ns, ref.element.front()));
        break;
      case TypeRef::Kind::Record:
        t.kind = SchemaType::Kind::RecordType;
        t.open = ref.open;
        for (const auto& [name, field] : ref.fields) t.fields.emplace_back(name, type(ns, field));
        // Both forms give the same model: JSON objects have no order.
        std::sort(t.fields.begin(), t.fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        break;
    }
    t.required = ref.required;
    return t;
  }

  SchemaType record(const std::string& ns, const TypeRef& ref, const std::string& what) {
    SchemaType t = type(ns, ref);
    if (t.kind != SchemaType::Kind::RecordType) fail(ref.where, what + " must be a record type");
    t.required = true;
    return t;
  }

  EntityTypeDef entity(const std::string& ns, const EntityDecl& decl) {
    EntityTypeDef def;
    def.attrs = record(ns, decl.shape, "an entity type's shape");
    if (decl.tags) {
      def.tags = type(ns, *decl.tags);
      def.tags->required = true;
    }
    for (const auto& parent : decl.member_of) def.member_of.insert(entity_name(ns, parent.name, parent.where));
    def.enum_ids = decl.enum_ids;
    return def;
  }

  ActionDef action(const std::string& ns, const ActionDecl& decl) {
    ActionDef def;
    for (const auto& ref : decl.member_of) {
      EntityUid uid{ref.type.empty() ? qualify(ns, "Action") : qualify(ns, ref.type), ref.id};
      if (!action_names_.contains(uid) && !ref.type.empty()) uid.type = ref.type;
      if (!action_names_.contains(uid)) fail(ref.where, "undeclared action " + uid.type + "::\"" + ref.id + "\"");
      def.member_of.insert(uid);
    }
    for (const auto& p : decl.principals) def.principals.insert(entity_name(ns, p.name, p.where));
    for (const auto& r : decl.resources) def.resources.insert(entity_name(ns, r.name, r.where));
    def.context.kind = SchemaType::Kind::RecordType;
    if (decl.context) def.context = record(ns, *decl.context, "an action's context");
    return def;
  }

  // Cedar rejects a schema whose action groups form a cycle.
  void check_action_cycles(const Schema& schema) const {
    std::map<EntityUid, int> state;  // 1 visiting, 2 done
    std::function<void(const EntityUid&)> visit = [&](const EntityUid& uid) {
      state[uid] = 1;
      for (const auto& parent : schema.actions.at(uid).member_of) {
        if (state[parent] == 1) {
          fail(action_names_.at(uid), "action groups form a cycle through " + uid.type + "::\"" + uid.id + "\"");
        }
        if (state[parent] == 0) visit(parent);
      }
      state[uid] = 2;
    };
    for (const auto& [uid, ignored] : schema.actions) {
      if (state[uid] == 0) visit(uid);
    }
  }

  const Declarations& decls_;
  std::map<std::string, std::pair<const CommonDecl*, std::string>> commons_;
  std::set<std::string> entity_names_;
  std::map<EntityUid, std::string> action_names_;  // where each is declared
  std::set<std::string> resolving_;
  static constexpr std::size_t kMaxExpandedTypes = 100'000;
  std::map<std::string, std::size_t> sizes_;
};

std::expected<Schema, ResolveError> resolve(const Declarations& decls) {
  try {
    return Resolver(decls).resolve();
  } catch (const ResolveError& e) {
    return std::unexpected(e);
  }
}

std::string to_string(const ResolveError& e) { return e.where.empty() ? e.message : e.where + ": " + e.message; }

// The human form's places are "line:column".
SourcePos position(const std::string& where) {
  SourcePos pos{0, 0};
  const auto colon = where.find(':');
  if (colon == std::string::npos) return pos;
  std::from_chars(where.data(), where.data() + colon, pos.line);
  std::from_chars(where.data() + colon + 1, where.data() + where.size(), pos.column);
  return pos;
}

}  // namespace

std::expected<Schema, SyntaxError> parse_schema(std::string_view text) {
  auto decls = parse_schema_text(text);
  if (!decls) return std::unexpected(decls.error());
  auto schema = resolve(*decls);
  if (!schema) return std::unexpected(SyntaxError{position(schema.error().where), schema.error().message});
  return std::move(*schema);
}

std::expected<Schema, std::string> parse_schema_json(std::string_view text) {
  auto decls = parse_schema_json_declarations(text);
  if (!decls) return std::unexpected(decls.error());
  auto schema = resolve(*decls);
  if (!schema) return std::unexpected(to_string(schema.error()));
  return std::move(*schema);
}

std::expected<Schema, std::string> load_schema(std::string_view text, std::string_view file_name) {
  bool json = false;
  if (file_name.ends_with(".json")) {
    json = true;
  } else if (!file_name.ends_with(".cedarschema")) {
    const auto first = text.find_first_not_of(" \t\r\n");
    json = first != std::string_view::npos && text[first] == '{';
  }
  if (json) return parse_schema_json(text);
  auto schema = parse_schema(text);
  if (!schema) return std::unexpected(schema.error().to_string());
  return std::move(*schema);
}

std::expected<Value, std::string> value_from_json(const nlohmann::json& json, const SchemaType& type) {
  switch (type.kind) {
    case SchemaType::Kind::Entity:
      if (json.is_object() && !json.contains("__entity") && json.contains("type") && json.contains("id")) {
        auto uid = uid_from_json(json);
        if (!uid) return std::unexpected(uid.error());
        return Value{std::move(*uid)};
      }
      break;
    case SchemaType::Kind::Extension:
      if (json.is_string()) {
        const std::string fn = type.name == "ipaddr" ? "ip" : type.name;
        nlohmann::json call = {{"__extn", {{"fn", fn}, {"arg", json}}}};
        return value_from_json(call);
      }
      break;
    case SchemaType::Kind::Set:
      if (json.is_array()) {
        std::vector<Value> elements;
        for (const auto& item : json) {
          auto v = value_from_json(item, type.element.front());
          if (!v) return v;
          elements.push_back(std::move(*v));
        }
        return make_set(std::move(elements));
      }
      break;
    case SchemaType::Kind::RecordType:
      if (json.is_object() && !json.contains("__entity") && !json.contains("__extn")) {
        Record out;
        for (const auto& [key, val] : json.items()) {
          const SchemaType* field = nullptr;
          for (const auto& [n, t] : type.fields) {
            if (n == key) field = &t;
          }
          auto v = field ? value_from_json(val, *field) : value_from_json(val);
          if (!v) return v;
          out.emplace(key, std::move(*v));
        }
        return make_record(std::move(out));
      }
      break;
    default:
      break;
  }
  return value_from_json(json);
}

nlohmann::json with_schema_actions(nlohmann::json entities, const Schema& schema) {
  if (!entities.is_array()) return entities;
  std::set<EntityUid> present;
  for (const auto& e : entities) {
    if (e.is_object() && e.contains("uid")) {
      if (auto uid = uid_from_json(e["uid"])) present.insert(std::move(*uid));
    }
  }
  auto uid_json = [](const EntityUid& uid) { return nlohmann::json{{"type", uid.type}, {"id", uid.id}}; };
  for (const auto& [uid, def] : schema.actions) {
    if (present.contains(uid)) continue;
    nlohmann::json parents = nlohmann::json::array();
    for (const auto& p : def.member_of) parents.push_back(uid_json(p));
    entities.push_back({{"uid", uid_json(uid)}, {"attrs", nlohmann::json::object()}, {"parents", parents}});
  }
  return entities;
}

}  // namespace mandate::policy
