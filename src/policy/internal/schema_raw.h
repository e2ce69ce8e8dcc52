#pragma once
// Private to the policy module: the build defines MANDATE_INSIDE_POLICY only for src/policy/ and tests/policy/.
#ifndef MANDATE_INSIDE_POLICY
#error "this header is internal to the policy module; include a public policy/ header instead"
#endif
// Schema declarations as written, before names are resolved. Both schema
// forms (human-readable and JSON) parse into this, and one resolver turns it
// into the Schema model, so the two forms cannot drift apart.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mandate::policy::schema_raw {

// `where` is "line:column" (human form) or a JSON path, for error messages.
struct TypeRef {
  // Name: an entity-or-common-type name still to resolve. Entity/Extension/
  // Primitive: the JSON form's explicit kinds.
  enum class Kind { Name, Entity, Extension, Primitive, Set, Record };
  Kind kind = Kind::Name;
  std::string name;
  std::vector<TypeRef> element;  // Set: exactly one
  std::vector<std::pair<std::string, TypeRef>> fields;
  bool required = true;  // as a record field
  bool open = false;     // record with additionalAttributes
  std::string where;
};

struct NameRef {
  std::string name;
  std::string where;
};

struct ActionRef {
  std::string type;  // empty: the declaring namespace's Action type
  std::string id;
  std::string where;
};

struct EntityDecl {
  std::string name;
  TypeRef shape;  // a Record (or a Name resolving to one)
  std::optional<TypeRef> tags;
  std::vector<NameRef> member_of;
  std::optional<std::vector<std::string>> enum_ids;
  std::string where;
};

struct ActionDecl {
  std::string id;
  std::vector<ActionRef> member_of;
  std::vector<NameRef> principals;
  std::vector<NameRef> resources;
  std::optional<TypeRef> context;
  std::string where;
};

struct CommonDecl {
  std::string name;
  TypeRef type;
  std::string where;
};

struct Namespace {
  std::string name;  // empty: the empty namespace
  std::vector<EntityDecl> entities;
  std::vector<ActionDecl> actions;
  std::vector<CommonDecl> commons;
};

using Declarations = std::vector<Namespace>;

}  // namespace mandate::policy::schema_raw
