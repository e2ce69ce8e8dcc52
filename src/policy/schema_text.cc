// The human-readable schema form (`.cedarschema`) into schema declarations.
#include "policy/internal/schema_text.h"

namespace mandate::policy {
namespace {

using namespace schema_raw;

std::string where(SourcePos pos) { return std::to_string(pos.line) + ":" + std::to_string(pos.column); }

// Recursive descent over Cedar's schema grammar; names stay unresolved.
class SchemaParser {
 public:
  explicit SchemaParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Declarations declarations() {
    Declarations out;
    out.emplace_back();  // the empty namespace collects top-level declarations
    while (peek().kind != TokenKind::End) {
      annotations();
      if (is_word("namespace") && peek(1).kind == TokenKind::Ident) {
        next();
        Namespace ns;
        ns.name = path();
        expect("{");
        while (!accept("}")) declaration(ns);
        out.push_back(std::move(ns));
      } else {
        declaration(out.front());
      }
    }
    return out;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool is_word(std::string_view w) const { return peek().kind == TokenKind::Ident && peek().text == w; }
  bool is_punct(std::string_view p, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::Punct && peek(ahead).text == p;
  }
  bool accept(std::string_view p) {
    if (!is_punct(p)) return false;
    next();
    return true;
  }
  std::string here() const { return where(peek().pos); }
  static std::string describe(const Token& t) { return t.kind == TokenKind::End ? "end of input" : "'" + t.text + "'"; }
  [[noreturn]] void fail(const std::string& message) const { throw SyntaxError{peek().pos, message}; }
  void expect(std::string_view p) {
    if (!accept(p)) fail("expected '" + std::string(p) + "', found " + describe(peek()));
  }
  std::string ident() {
    if (peek().kind != TokenKind::Ident) fail("expected identifier, found " + describe(peek()));
    return next().text;
  }
  std::string string_literal() {
    const Token& t = next();
    auto s = unescape_string(t.text);
    if (!s) throw SyntaxError{t.pos, "invalid escape in string"};
    return *s;
  }
  // An identifier or a string: attribute and action names.
  std::string name() { return peek().kind == TokenKind::String ? string_literal() : ident(); }
  // `A::B::C`, stopping before `::"id"`.
  std::string path() {
    std::string p = ident();
    while (is_punct("::") && peek(1).kind == TokenKind::Ident) {
      next();
      p += "::" + next().text;
    }
    return p;
  }

  void annotations() {
    while (accept("@")) {
      ident();
      if (accept("(")) {
        if (peek().kind != TokenKind::String) fail("expected annotation string, found " + describe(peek()));
        string_literal();
        expect(")");
      }
    }
  }

  void declaration(Namespace& ns) {
    annotations();
    const std::string at = here();
    if (is_word("entity")) {
      next();
      entity(ns, at);
    } else if (is_word("action")) {
      next();
      action(ns, at);
    } else if (is_word("type")) {
      next();
      CommonDecl common{ident(), {}, at};
      expect("=");
      common.type = type();
      expect(";");
      ns.commons.push_back(std::move(common));
    } else {
      fail("expected 'entity', 'action' or 'type', found " + describe(peek()));
    }
  }

  std::vector<NameRef> type_names() {
    std::vector<NameRef> out;
    if (accept("[")) {
      while (!accept("]")) {
        out.push_back({.name = {}, .where = here()});
        out.back().name = path();
        if (!accept(",")) {
          expect("]");
          break;
        }
      }
    } else {
      out.push_back({.name = {}, .where = here()});
      out.back().name = path();
    }
    return out;
  }

  void entity(Namespace& ns, const std::string& at) {
    std::vector<std::string> names{ident()};
    while (accept(",")) names.push_back(ident());
    EntityDecl decl;
    decl.where = at;
    decl.shape.kind = TypeRef::Kind::Record;
    decl.shape.where = at;
    if (is_word("enum")) {
      next();
      expect("[");
      std::vector<std::string> ids;
      do {
        if (peek().kind != TokenKind::String) fail("expected string in enum, found " + describe(peek()));
        ids.push_back(string_literal());
      } while (accept(","));
      expect("]");
      decl.enum_ids = std::move(ids);
    } else {
      if (is_word("in")) {
        next();
        decl.member_of = type_names();
      }
      const bool has_eq = accept("=");
      if (is_punct("{")) {
        decl.shape = record_type();
      } else if (has_eq) {
        fail("expected '{' after '=', found " + describe(peek()));
      }
      if (is_word("tags")) {
        next();
        decl.tags = type();
      }
    }
    expect(";");
    for (auto& n : names) {
      decl.name = n;
      ns.entities.push_back(decl);
    }
  }

  ActionRef action_ref() {
    ActionRef ref{.type = {}, .id = {}, .where = here()};
    if (peek().kind == TokenKind::String) {
      ref.id = string_literal();
      return ref;
    }
    std::string p = path();
    if (accept("::")) {
      if (peek().kind != TokenKind::String) fail("expected action id string, found " + describe(peek()));
      ref.type = std::move(p);
      ref.id = string_literal();
    } else {
      ref.id = std::move(p);
    }
    return ref;
  }

  void action(Namespace& ns, const std::string& at) {
    std::vector<std::string> ids{name()};
    while (accept(",")) ids.push_back(name());
    ActionDecl decl;
    decl.where = at;
    if (is_word("in")) {
      next();
      if (accept("[")) {
        while (!accept("]")) {
          decl.member_of.push_back(action_ref());
          if (!accept(",")) {
            expect("]");
            break;
          }
        }
      } else {
        decl.member_of.push_back(action_ref());
      }
    }
    if (is_word("appliesTo")) {
      next();
      applies_to(decl);
    }
    if (is_word("attributes") || accept("=")) {  // action attributes: no longer supported by Cedar
      fail("action attributes are not supported");
    }
    expect(";");
    for (auto& id : ids) {
      decl.id = id;
      ns.actions.push_back(decl);
    }
  }

  void applies_to(ActionDecl& decl) {
    expect("{");
    while (!accept("}")) {
      const SourcePos key_pos = peek().pos;
      const std::string key = ident();
      expect(":");
      if (key == "principal") {
        decl.principals = type_names();
      } else if (key == "resource") {
        decl.resources = type_names();
      } else if (key == "context") {
        decl.context = type();
      } else {
        throw SyntaxError{key_pos, "expected 'principal', 'resource' or 'context', found '" + key + "'"};
      }
      if (!accept(",")) {
        expect("}");
        break;
      }
    }
  }

  TypeRef record_type() {
    TypeRef rec;
    rec.kind = TypeRef::Kind::Record;
    rec.where = here();
    expect("{");
    while (!accept("}")) {
      annotations();
      std::string field = name();
      const bool optional = accept("?");
      expect(":");
      TypeRef t = type();
      t.required = !optional;
      for (const auto& [n, ignored] : rec.fields) {
        if (n == field) fail("duplicate attribute '" + field + "'");
      }
      rec.fields.emplace_back(std::move(field), std::move(t));
      if (!accept(",")) {
        expect("}");
        break;
      }
    }
    return rec;
  }

  TypeRef type() {
    // Nested Set<...>/records recurse; bound them as the policy parser does.
    if (depth_ >= 200) fail("type nested too deeply");
    ++depth_;
    TypeRef t = unbounded_type();
    --depth_;
    return t;
  }

  TypeRef unbounded_type() {
    if (is_punct("{")) return record_type();
    TypeRef t;
    t.where = here();
    t.name = path();
    if (t.name == "Set" && is_punct("<")) {
      next();
      t.kind = TypeRef::Kind::Set;
      t.name.clear();
      t.element.push_back(type());
      expect(">");
    }
    return t;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::expected<schema_raw::Declarations, SyntaxError> parse_schema_text(std::string_view text) {
  try {
    SchemaParser parser(tokenize(text, true));
    return parser.declarations();
  } catch (const SyntaxError& e) {
    return std::unexpected(e);
  }
}

}  // namespace mandate::policy
