// The JSON schema form into schema declarations. Errors name the JSON path
// of the offending member (RFC 6901 style), since JSON has no useful lines.
#include <nlohmann/json.hpp>

#include "policy/internal/schema_text.h"

namespace mandate::policy {
namespace {

using namespace schema_raw;
using nlohmann::json;

struct JsonError {
  std::string where;
  std::string message;
};

std::string child(const std::string& path, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  return path + "/" + escaped;
}

[[noreturn]] void fail(const std::string& where, const std::string& message) { throw JsonError{where, message}; }

const json& member(const json& obj, const char* key, const std::string& path) {
  if (!obj.contains(key)) fail(path, std::string("missing \"") + key + "\"");
  return obj.at(key);
}

std::string string_at(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, "expected a string");
  return j.get<std::string>();
}

void only_keys(const json& obj, std::initializer_list<const char*> keys, const std::string& path) {
  for (const auto& [key, ignored] : obj.items()) {
    bool known = false;
    for (const char* k : keys) known = known || key == k;
    if (!known) fail(child(path, key), "unknown member \"" + key + "\"");
  }
}

TypeRef type_ref(const json& j, const std::string& path, int depth);

TypeRef record(const json& j, const std::string& path, int depth) {
  TypeRef rec;
  rec.kind = TypeRef::Kind::Record;
  rec.where = path;
  if (j.contains("additionalAttributes")) {
    if (!j["additionalAttributes"].is_boolean()) fail(child(path, "additionalAttributes"), "expected a boolean");
    rec.open = j["additionalAttributes"].get<bool>();
  }
  if (!j.contains("attributes")) return rec;
  const std::string attrs_path = child(path, "attributes");
  const json& attrs = j.at("attributes");
  if (!attrs.is_object()) fail(attrs_path, "expected an object");
  for (const auto& [name, attr] : attrs.items()) {
    const std::string attr_path = child(attrs_path, name);
    TypeRef t = type_ref(attr, attr_path, depth + 1);
    if (attr.contains("required")) {
      if (!attr["required"].is_boolean()) fail(child(attr_path, "required"), "expected a boolean");
      t.required = attr["required"].get<bool>();
    }
    rec.fields.emplace_back(name, std::move(t));
  }
  return rec;
}

TypeRef type_ref(const json& j, const std::string& path, int depth) {
  if (depth > 200) fail(path, "type nested too deeply");
  if (!j.is_object()) fail(path, "expected a type object");
  TypeRef t;
  t.where = path;
  const std::string kind = string_at(member(j, "type", path), child(path, "type"));
  if (kind == "Record") return record(j, path, depth);
  if (kind == "Set") {
    t.kind = TypeRef::Kind::Set;
    t.element.push_back(type_ref(member(j, "element", path), child(path, "element"), depth + 1));
  } else if (kind == "Entity" || kind == "Extension" || kind == "EntityOrCommon") {
    t.kind = kind == "Entity"      ? TypeRef::Kind::Entity
             : kind == "Extension" ? TypeRef::Kind::Extension
                                   : TypeRef::Kind::Name;
    t.name = string_at(member(j, "name", path), child(path, "name"));
  } else if (kind == "Long" || kind == "String" || kind == "Boolean") {
    t.kind = TypeRef::Kind::Primitive;
    t.name = kind == "Boolean" ? "Bool" : kind;
  } else {
    t.kind = TypeRef::Kind::Name;  // a common or entity type's name
    t.name = kind;
  }
  return t;
}

std::vector<NameRef> names(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "expected an array of type names");
  std::vector<NameRef> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = path + "/" + std::to_string(i);
    out.push_back({string_at(j[i], p), p});
  }
  return out;
}

EntityDecl entity(const std::string& name, const json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object");
  only_keys(j, {"memberOfTypes", "shape", "tags", "enum", "annotations"}, path);
  EntityDecl decl;
  decl.name = name;
  decl.where = path;
  decl.shape.kind = TypeRef::Kind::Record;
  decl.shape.where = path;
  if (j.contains("memberOfTypes")) decl.member_of = names(j["memberOfTypes"], child(path, "memberOfTypes"));
  if (j.contains("shape")) decl.shape = type_ref(j["shape"], child(path, "shape"), 0);
  if (j.contains("tags")) decl.tags = type_ref(j["tags"], child(path, "tags"), 0);
  if (j.contains("enum")) {
    const std::string p = child(path, "enum");
    std::vector<std::string> ids;
    for (const auto& n : names(j["enum"], p)) ids.push_back(n.name);
    if (ids.empty()) fail(p, "an enumerated entity type needs at least one id");
    decl.enum_ids = std::move(ids);
  }
  return decl;
}

ActionDecl action(const std::string& id, const json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object");
  only_keys(j, {"memberOf", "appliesTo", "annotations", "attributes"}, path);
  if (j.contains("attributes")) fail(child(path, "attributes"), "action attributes are not supported");
  ActionDecl decl;
  decl.id = id;
  decl.where = path;
  if (j.contains("memberOf")) {
    const std::string p = child(path, "memberOf");
    if (!j["memberOf"].is_array()) fail(p, "expected an array");
    for (std::size_t i = 0; i < j["memberOf"].size(); ++i) {
      const std::string ep = p + "/" + std::to_string(i);
      const json& ref = j["memberOf"][i];
      if (!ref.is_object()) fail(ep, "expected {\"id\", \"type\"?}");
      ActionRef r{.type = {}, .id = string_at(member(ref, "id", ep), child(ep, "id")), .where = ep};
      if (ref.contains("type")) r.type = string_at(ref["type"], child(ep, "type"));
      decl.member_of.push_back(std::move(r));
    }
  }
  if (j.contains("appliesTo") && !j["appliesTo"].is_null()) {
    const std::string p = child(path, "appliesTo");
    const json& applies = j["appliesTo"];
    if (!applies.is_object()) fail(p, "expected an object");
    only_keys(applies, {"principalTypes", "resourceTypes", "context"}, p);
    if (applies.contains("principalTypes"))
      decl.principals = names(applies["principalTypes"], child(p, "principalTypes"));
    if (applies.contains("resourceTypes")) decl.resources = names(applies["resourceTypes"], child(p, "resourceTypes"));
    if (applies.contains("context")) decl.context = type_ref(applies["context"], child(p, "context"), 0);
  }
  return decl;
}

template <typename F>
void each_member(const json& ns, const char* key, const std::string& path, F&& f) {
  if (!ns.contains(key)) return;
  const std::string p = child(path, key);
  if (!ns[key].is_object()) fail(p, "expected an object");
  for (const auto& [name, value] : ns[key].items()) f(name, value, child(p, name));
}

}  // namespace

std::expected<Declarations, std::string> parse_schema_json_declarations(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return std::unexpected("schema: not valid JSON");
  if (!doc.is_object()) return std::unexpected("/: expected an object of namespaces");
  try {
    Declarations out;
    for (const auto& [name, ns] : doc.items()) {
      const std::string path = child("", name);
      if (!ns.is_object()) fail(path, "expected a namespace object");
      only_keys(ns, {"entityTypes", "actions", "commonTypes", "annotations"}, path);
      Namespace decl;
      decl.name = name;
      each_member(ns, "entityTypes", path, [&](const std::string& n, const json& v, const std::string& p) {
        decl.entities.push_back(entity(n, v, p));
      });
      each_member(ns, "actions", path, [&](const std::string& n, const json& v, const std::string& p) {
        decl.actions.push_back(action(n, v, p));
      });
      each_member(ns, "commonTypes", path, [&](const std::string& n, const json& v, const std::string& p) {
        decl.commons.push_back({n, type_ref(v, p, 0), p});
      });
      out.push_back(std::move(decl));
    }
    return out;
  } catch (const JsonError& e) {
    return std::unexpected(e.where + ": " + e.message);
  }
}

}  // namespace mandate::policy
