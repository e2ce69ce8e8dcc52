#pragma once
// Parsers from the two schema forms to unresolved declarations
// (schema_raw.h); schema.cc resolves them into the Schema model.
#include <expected>
#include <string>
#include <string_view>

#include "policy/lexer.h"
#include "policy/schema_raw.h"

namespace mandate::policy {

std::expected<schema_raw::Declarations, SyntaxError> parse_schema_text(std::string_view text);
// Errors are "<JSON path>: message".
std::expected<schema_raw::Declarations, std::string> parse_schema_json_declarations(std::string_view text);

}  // namespace mandate::policy
