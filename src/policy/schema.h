#pragma once
// A Cedar schema, from either of its two forms (human-readable `.cedarschema`
// or JSON), with every name resolved: entity types (attributes, tags,
// parents, enumerated ids), actions (groups, appliesTo, context) and the
// types they use. The validator checks policies against it; entities and
// context JSON are read by its declared types.
#include <compare>
#include <expected>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policy/lexer.h"
#include "policy/value.h"

namespace mandate::policy {

struct SchemaType {
  enum class Kind { Bool, Long, String, Entity, Set, RecordType, Extension };
  Kind kind = Kind::RecordType;
  std::string name;                                        // entity type or extension name
  std::vector<SchemaType> element;                         // Set: exactly one
  std::vector<std::pair<std::string, SchemaType>> fields;  // Record, sorted by name
  bool required = true;                                    // as a record field
  bool open = false;                                       // Record: may carry undeclared attributes
  bool operator==(const SchemaType&) const = default;
};

struct EntityTypeDef {
  SchemaType attrs;                                  // a Record
  std::optional<SchemaType> tags;                    // absent: the type has no tags
  std::set<std::string> member_of;                   // declared parent types
  std::optional<std::vector<std::string>> enum_ids;  // enumerated entity type
  bool operator==(const EntityTypeDef&) const = default;
};

struct ActionDef {
  std::set<EntityUid> member_of;  // declared action groups
  // Empty (or no appliesTo): the action applies to no request.
  std::set<std::string> principals;
  std::set<std::string> resources;
  SchemaType context;  // a Record; empty when not declared
  bool operator==(const ActionDef&) const = default;
};

struct Schema {
  std::map<std::string, EntityTypeDef> entity_types;
  std::map<EntityUid, ActionDef> actions;

  // Views used to read entities and context JSON by declared type.
  std::unordered_map<std::string, SchemaType> entity_attrs;    // by entity type
  std::unordered_map<std::string, SchemaType> entity_tags;     // by entity type
  std::unordered_map<std::string, SchemaType> action_context;  // by action uid "Type::id"

  // The model, without the derived views.
  bool same_model(const Schema& other) const { return entity_types == other.entity_types && actions == other.actions; }
};

// Human-readable form; errors carry line:column.
std::expected<Schema, SyntaxError> parse_schema(std::string_view text);
// JSON form; errors name the JSON path, e.g. "/NS/entityTypes/User/shape: ...".
std::expected<Schema, std::string> parse_schema_json(std::string_view text);
// Either form: by the file name's extension (`.json`, `.cedarschema`), else
// by content (a JSON object starts with `{`). Errors are "where: message".
std::expected<Schema, std::string> load_schema(std::string_view text, std::string_view file_name = {});

// Reads `json` as a value of `type` (schema-directed), falling back to the
// plain reading where the schema says nothing.
std::expected<Value, std::string> value_from_json(const nlohmann::json& json, const SchemaType& type);

// Entities JSON (an array) plus the action entities the schema declares and
// the array does not hold ({uid, attrs, parents}), so that action groups
// declared only in the schema take part in `in`, as the reference reads
// entities with a schema.
nlohmann::json with_schema_actions(nlohmann::json entities, const Schema& schema);

}  // namespace mandate::policy
