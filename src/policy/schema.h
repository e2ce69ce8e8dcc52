#pragma once
// The part of a Cedar schema (human-readable form) needed to read entities
// and context JSON the way the reference does: attribute types tell a bare
// {"type","id"} object apart from a record, and a string from an extension
// value. Validation of policies against the schema is not implemented yet.
#include <expected>
#include <nlohmann/json_fwd.hpp>
#include <optional>
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
  std::vector<std::pair<std::string, SchemaType>> fields;  // Record
};

struct Schema {
  std::unordered_map<std::string, SchemaType> entity_attrs;    // by entity type
  std::unordered_map<std::string, SchemaType> entity_tags;     // by entity type
  std::unordered_map<std::string, SchemaType> action_context;  // by action uid "Type::id"
};

std::expected<Schema, SyntaxError> parse_schema(std::string_view text);

// Reads `json` as a value of `type` (schema-directed), falling back to the
// plain reading where the schema says nothing.
std::expected<Value, std::string> value_from_json(const nlohmann::json& json, const SchemaType& type);

}  // namespace mandate::policy
