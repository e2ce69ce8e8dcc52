#pragma once
// Private to the policy module: the build defines MANDATE_INSIDE_POLICY only for src/policy/ and tests/policy/.
#ifndef MANDATE_INSIDE_POLICY
#error "this header is internal to the policy module; include a public policy/ header instead"
#endif
// Parsers from the two schema forms to unresolved declarations
// (schema_raw.h); schema.cc resolves them into the Schema model.
#include <expected>
#include <string>
#include <string_view>

#include "policy/lexer.h"
#include "policy/internal/schema_raw.h"

namespace mandate::policy {

std::expected<schema_raw::Declarations, SyntaxError> parse_schema_text(std::string_view text);
// Errors are "<JSON path>: message".
std::expected<schema_raw::Declarations, std::string> parse_schema_json_declarations(std::string_view text);

}  // namespace mandate::policy
