#include "policy/schema.h"

#include <nlohmann/json.hpp>

#include "policy/entities.h"

namespace mandate::policy {
namespace {

// Recursive descent over the human-readable schema grammar. Types are
// resolved while parsing: primitives, extension types, common types declared
// earlier, otherwise an entity type qualified with the current namespace.
class SchemaParser {
 public:
  explicit SchemaParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Schema schema() {
    while (peek().kind != TokenKind::End) {
      annotations();
      if (is_word("namespace")) {
        next();
        namespace_ = path();
        expect("{");
        while (!accept("}")) declaration();
        namespace_.clear();
      } else {
        declaration();
      }
    }
    return std::move(schema_);
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool is_word(std::string_view w) const { return peek().kind == TokenKind::Ident && peek().text == w; }
  bool is_punct(std::string_view p) const { return peek().kind == TokenKind::Punct && peek().text == p; }
  bool accept(std::string_view p) {
    if (!is_punct(p)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(const std::string& message) const { throw SyntaxError{peek().pos, message}; }
  void expect(std::string_view p) {
    if (!accept(p)) fail("expected '" + std::string(p) + "', found '" + peek().text + "'");
  }
  std::string ident() {
    if (peek().kind != TokenKind::Ident) fail("expected identifier, found '" + peek().text + "'");
    return next().text;
  }
  std::string name() {
    if (peek().kind == TokenKind::String) {
      auto s = unescape_string(next().text);
      if (!s) fail("invalid escape");
      return *s;
    }
    return ident();
  }
  std::string path() {
    std::string p = ident();
    while (accept("::")) p += "::" + ident();
    return p;
  }
  std::string qualify(const std::string& n) const { return namespace_.empty() ? n : namespace_ + "::" + n; }

  void annotations() {
    while (accept("@")) {
      ident();
      if (accept("(")) {
        name();
        expect(")");
      }
    }
  }

  void declaration() {
    annotations();
    if (is_word("entity")) {
      next();
      entity();
    } else if (is_word("action")) {
      next();
      action();
    } else if (is_word("type")) {
      next();
      const std::string n = ident();
      expect("=");
      common_types_[qualify(n)] = type();
      expect(";");
    } else {
      fail("expected 'entity', 'action' or 'type', found '" + peek().text + "'");
    }
  }

  void entity() {
    std::vector<std::string> names{qualify(ident())};
    while (accept(",")) names.push_back(qualify(ident()));
    SchemaType attrs;
    SchemaType tags;
    bool has_tags = false;
    if (is_word("enum")) {  // enumerated ids carry no attributes
      next();
      skip_bracketed("[", "]");
    }
    if (is_word("in")) {
      next();
      if (is_punct("[")) {
        skip_bracketed("[", "]");
      } else {
        path();
      }
    }
    accept("=");
    if (is_punct("{")) attrs = record_type();
    if (is_word("tags")) {
      next();
      tags = type();
      has_tags = true;
    }
    expect(";");
    for (const auto& n : names) {
      schema_.entity_attrs[n] = attrs;
      if (has_tags) schema_.entity_tags[n] = tags;
    }
  }

  void action() {
    std::vector<std::string> names{name()};
    while (accept(",")) names.push_back(name());
    if (is_word("in")) {
      next();
      if (is_punct("[")) {
        skip_bracketed("[", "]");
      } else {
        path();
        if (accept("::")) name();
      }
    }
    std::optional<SchemaType> context;
    if (is_word("appliesTo")) {
      next();
      expect("{");
      while (!accept("}")) {
        const std::string key = ident();
        expect(":");
        if (key == "context") {
          context = type();
        } else if (is_punct("[")) {
          skip_bracketed("[", "]");
        } else {
          path();
        }
        accept(",");
      }
    }
    accept("=");
    if (is_punct("{")) skip_bracketed("{", "}");  // action attributes (deprecated)
    expect(";");
    const std::string action_type = qualify("Action");
    for (const auto& n : names) {
      if (context) schema_.action_context[action_type + "::" + n] = *context;
    }
  }

  void skip_bracketed(std::string_view open, std::string_view close) {
    expect(open);
    int depth = 1;
    while (depth > 0) {
      if (peek().kind == TokenKind::End) fail("unbalanced '" + std::string(open) + "'");
      if (is_punct(open)) ++depth;
      if (is_punct(close)) --depth;
      next();
    }
  }

  SchemaType record_type() {
    SchemaType rec;
    rec.kind = SchemaType::Kind::RecordType;
    expect("{");
    while (!accept("}")) {
      annotations();
      std::string field = name();
      accept("?");
      expect(":");
      rec.fields.emplace_back(std::move(field), type());
      if (!accept(",")) {
        expect("}");
        break;
      }
    }
    return rec;
  }

  SchemaType type() {
    // Nested Set<...>/records recurse; bound them as the policy parser does.
    if (depth_ >= 200) fail("type nested too deeply");
    ++depth_;
    SchemaType t = unbounded_type();
    --depth_;
    return t;
  }

  SchemaType unbounded_type() {
    if (is_punct("{")) return record_type();
    const std::string p = path();
    SchemaType t;
    if (p == "Set") {
      expect("<");
      t.kind = SchemaType::Kind::Set;
      t.element.push_back(type());
      expect(">");
      return t;
    }
    const std::string bare = p.starts_with("__cedar::") ? p.substr(9) : p;
    if (bare == "Bool" || bare == "Boolean")
      t.kind = SchemaType::Kind::Bool;
    else if (bare == "Long")
      t.kind = SchemaType::Kind::Long;
    else if (bare == "String")
      t.kind = SchemaType::Kind::String;
    else if (bare == "ipaddr" || bare == "decimal" || bare == "datetime" || bare == "duration") {
      t.kind = SchemaType::Kind::Extension;
      t.name = bare == "ipaddr" ? "ip" : bare;
    } else if (auto it = common_types_.find(qualify(p)); it != common_types_.end()) {
      return it->second;
    } else if (auto global = common_types_.find(p); global != common_types_.end()) {
      return global->second;
    } else {
      t.kind = SchemaType::Kind::Entity;
      t.name = p.find("::") == std::string::npos ? qualify(p) : p;
    }
    return t;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string namespace_;
  std::unordered_map<std::string, SchemaType> common_types_;
  Schema schema_;
};

}  // namespace

std::expected<Schema, SyntaxError> parse_schema(std::string_view text) {
  try {
    SchemaParser parser(tokenize(text, true));
    return parser.schema();
  } catch (const SyntaxError& e) {
    return std::unexpected(e);
  }
}

std::expected<Value, std::string> value_from_json(const nlohmann::json& json, const SchemaType& type) {
  switch (type.kind) {
    case SchemaType::Kind::Entity:
      if (json.is_object() && !json.contains("__entity") && json.contains("type") && json.contains("id")) {
        auto uid = uid_from_json(json);
        if (!uid) return std::unexpected(uid.error());
        return Value{std::move(*uid)};
      }
      break;
    case SchemaType::Kind::Extension:
      if (json.is_string()) {
        nlohmann::json call = {{"__extn", {{"fn", type.name}, {"arg", json}}}};
        return value_from_json(call);
      }
      break;
    case SchemaType::Kind::Set:
      if (json.is_array()) {
        std::vector<Value> elements;
        for (const auto& item : json) {
          auto v = value_from_json(item, type.element.front());
          if (!v) return v;
          elements.push_back(std::move(*v));
        }
        return make_set(std::move(elements));
      }
      break;
    case SchemaType::Kind::RecordType:
      if (json.is_object() && !json.contains("__entity") && !json.contains("__extn")) {
        Record out;
        for (const auto& [key, val] : json.items()) {
          const SchemaType* field = nullptr;
          for (const auto& [n, t] : type.fields) {
            if (n == key) field = &t;
          }
          auto v = field ? value_from_json(val, *field) : value_from_json(val);
          if (!v) return v;
          out.emplace(key, std::move(*v));
        }
        return make_record(std::move(out));
      }
      break;
    default:
      break;
  }
  return value_from_json(json);
}

}  // namespace mandate::policy
