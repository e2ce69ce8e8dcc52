#pragma once
// Tokenizer for Cedar policy text. String tokens keep their raw contents;
// escapes are resolved by the parser because `like` patterns treat `\*`
// differently from ordinary strings.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/ast.h"

namespace mandate::policy {

enum class TokenKind { Ident, Int, String, Punct, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;  // identifier, digits, raw string body, or punctuation
  SourcePos pos;
};

struct SyntaxError {
  SourcePos pos;
  std::string message;
  std::string to_string() const;  // "line:column: message"
};

// Splits `source` into tokens ending with one End token, or reports the
// first lexical error.
// `schema_syntax` admits the single `=` of schema declarations.
std::vector<Token> tokenize(std::string_view source, bool schema_syntax = false);  // throws SyntaxError

// Resolves Cedar string escapes; nullopt on an invalid escape.
std::optional<std::string> unescape_string(std::string_view raw);
// Same escapes plus `\*`; unescaped `*` becomes a wildcard.
std::optional<std::vector<PatternElem>> unescape_pattern(std::string_view raw);

}  // namespace mandate::policy
