#pragma once
// Cedar policy text to syntax tree. A policy set parses whole or not at all.
#include <expected>
#include <string_view>

#include "policy/ast.h"
#include "policy/lexer.h"

namespace mandate::policy {

// Parses every policy in `text`, assigning ids policy0, policy1, ... in order.
std::expected<PolicySet, SyntaxError> parse_policies(std::string_view text);

// Parses one expression, as found inside a `when` clause.
std::expected<ExprPtr, SyntaxError> parse_expression(std::string_view text);

}  // namespace mandate::policy
