#include "policy/lexer.h"

#include <array>

namespace mandate::policy {
namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 code point at `i` (advancing it); the input has already
// been accepted as text, so malformed bytes decode as themselves.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i++]);
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  char32_t cp = extra == 3 ? (b & 0x07) : extra == 2 ? (b & 0x0F) : extra == 1 ? (b & 0x1F) : b;
  while (extra-- > 0 && i < s.size()) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return cp;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the escape after a backslash at raw[i]; returns the code point or
// nullopt. `i` ends past the escape.
std::optional<char32_t> decode_escape(std::string_view raw, std::size_t& i) {
  if (i >= raw.size()) return std::nullopt;
  const char c = raw[i++];
  switch (c) {
    case 'n':
      return U'\n';
    case 'r':
      return U'\r';
    case 't':
      return U'\t';
    case '0':
      return U'\0';
    case '\\':
      return U'\\';
    case '\'':
      return U'\'';
    case '"':
      return U'"';
    case 'x': {
      if (i + 2 > raw.size()) return std::nullopt;
      const int hi = hex_digit(raw[i]), lo = hex_digit(raw[i + 1]);
      if (hi < 0 || lo < 0 || hi > 7) return std::nullopt;
      i += 2;
      return static_cast<char32_t>(hi * 16 + lo);
    }
    case 'u': {
      if (i >= raw.size() || raw[i] != '{') return std::nullopt;
      ++i;
      char32_t cp = 0;
      int digits = 0;
      while (i < raw.size() && raw[i] != '}') {
        const int h = hex_digit(raw[i++]);
        if (h < 0 || ++digits > 6) return std::nullopt;
        cp = cp * 16 + static_cast<char32_t>(h);
      }
      if (i >= raw.size() || digits == 0) return std::nullopt;
      ++i;
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
      return cp;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string SyntaxError::to_string() const {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
}

std::vector<Token> tokenize(std::string_view src, bool schema_syntax) {
  std::vector<Token> tokens;
  SourcePos pos;
  std::size_t i = 0;
  auto advance = [&](std::size_t n) {
    for (; n > 0 && i < src.size(); --n, ++i) {
      if (src[i] == '\n') {
        ++pos.line;
        pos.column = 1;
      } else if ((static_cast<unsigned char>(src[i]) & 0xC0) != 0x80) {
        ++pos.column;  // columns count code points, not bytes
      }
    }
  };
  static constexpr std::array<std::string_view, 7> kTwoChar = {"==", "!=", "<=", ">=", "&&", "||", "::"};
  while (i < src.size()) {
    const char c = src[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      advance(1);
      continue;
    }
    if (src.substr(i, 2) == "//") {
      while (i < src.size() && src[i] != '\n') advance(1);
      continue;
    }
    Token tok;
    tok.pos = pos;
    const std::size_t start = i;
    if (ident_start(c)) {
      while (i < src.size() && ident_char(src[i])) advance(1);
      tok.kind = TokenKind::Ident;
      tok.text = std::string(src.substr(start, i - start));
    } else if (c >= '0' && c <= '9') {
      while (i < src.size() && src[i] >= '0' && src[i] <= '9') advance(1);
      tok.kind = TokenKind::Int;
      tok.text = std::string(src.substr(start, i - start));
    } else if (c == '"') {
      advance(1);
      while (i < src.size() && src[i] != '"') advance(src[i] == '\\' ? 2 : 1);
      if (i >= src.size()) throw SyntaxError{tok.pos, "unterminated string literal"};
      tok.kind = TokenKind::String;
      tok.text = std::string(src.substr(start + 1, i - start - 1));
      advance(1);
    } else {
      tok.kind = TokenKind::Punct;
      bool two = false;
      for (auto op : kTwoChar) two = two || src.substr(i, 2) == op;
      if (!two && std::string_view("()[]{}<>!.,;:+-*@?=").find(c) == std::string_view::npos) {
        throw SyntaxError{tok.pos, std::string("unexpected character '") + c + "'"};
      }
      if (!two && c == '=' && !schema_syntax)
        throw SyntaxError{tok.pos, "unexpected '=' (did you mean '=='?)"};
      tok.text = std::string(src.substr(i, two ? 2 : 1));
      advance(two ? 2 : 1);
    }
    tokens.push_back(std::move(tok));
  }
  tokens.push_back(Token{TokenKind::End, "", pos});
  return tokens;
}

std::optional<std::string> unescape_string(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] != '\\') {
      out += raw[i++];
      continue;
    }
    ++i;
    const auto cp = decode_escape(raw, i);
    if (!cp) return std::nullopt;
    append_utf8(out, *cp);
  }
  return out;
}

std::optional<std::vector<PatternElem>> unescape_pattern(std::string_view raw) {
  std::vector<PatternElem> out;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '*') {
      ++i;
      out.push_back({true, 0});
    } else if (raw[i] == '\\') {
      ++i;
      if (i < raw.size() && raw[i] == '*') {
        ++i;
        out.push_back({false, U'*'});
        continue;
      }
      const auto cp = decode_escape(raw, i);
      if (!cp) return std::nullopt;
      out.push_back({false, *cp});
    } else {
      out.push_back({false, next_code_point(raw, i)});
    }
  }
  return out;
}

}  // namespace mandate::policy
