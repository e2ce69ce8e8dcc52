#include "policy/parser.h"

#include <charconv>
#include <optional>
#include <limits>

namespace mandate::policy {
namespace {

// Cedar rejects calls to unknown functions and methods when parsing, not
// when evaluating. datetime/duration names are accepted here although the
// evaluator does not implement them yet (they fail at evaluation).
constexpr std::string_view kFunctions[] = {"decimal", "ip", "datetime", "duration"};
constexpr std::string_view kMethods[] = {
    "contains",        "containsAll", "containsAny",        "isEmpty", "getTag", "hasTag",     "lessThan",
    "lessThanOrEqual", "greaterThan", "greaterThanOrEqual", "isIpv4",  "isIpv6", "isLoopback", "isMulticast",
    "isInRange",       "offset",      "durationSince",      "toDate",  "toTime", "toDays",     "toHours",
    "toMinutes",       "toSeconds",   "toMilliseconds"};

// Cedar checks the arity of its built-in methods when parsing (the
// extension methods' only when evaluating): "call to `getTag` requires
// exactly 1 argument, but got 0 arguments".
std::optional<std::size_t> builtin_arity(std::string_view method) {
  if (method == "isEmpty") return 0;
  for (std::string_view one : {"contains", "containsAll", "containsAny", "getTag", "hasTag"}) {
    if (method == one) return 1;
  }
  return std::nullopt;
}

template <std::size_t N>
bool is_known(const std::string_view (&names)[N], std::string_view name) {
  for (auto n : names) {
    if (n == name) return true;
  }
  return false;
}

// Recursive descent over Cedar's grammar; each method is one production.
// Errors are thrown as SyntaxError and turned into std::expected at the API.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  PolicySet policy_set() {
    PolicySet set;
    std::size_t count = 0;
    while (peek().kind != TokenKind::End) {
      Policy p = policy();
      p.id = "policy" + std::to_string(count++);
      (p.is_template() ? set.templates : set.policies).push_back(std::move(p));
    }
    return set;
  }

  ExprPtr whole_expression() {
    auto e = expr();
    if (peek().kind != TokenKind::End) fail("unexpected " + describe(peek()));
    return e;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool is_punct(std::string_view p, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::Punct && peek(ahead).text == p;
  }
  bool is_ident(std::string_view word, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::Ident && peek(ahead).text == word;
  }
  bool accept(std::string_view p) {
    if (!is_punct(p)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(std::string message) const { throw SyntaxError{peek().pos, std::move(message)}; }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::End:
        return "end of input";
      case TokenKind::String:
        return "string \"" + t.text + "\"";
      default:
        return "'" + t.text + "'";
    }
  }
  void expect(std::string_view p) {
    if (!accept(p)) fail("expected '" + std::string(p) + "', found " + describe(peek()));
  }
  void expect_word(std::string_view word) {
    if (!is_ident(word)) fail("expected '" + std::string(word) + "', found " + describe(peek()));
    next();
  }
  std::string ident() {
    if (peek().kind != TokenKind::Ident) fail("expected identifier, found " + describe(peek()));
    return next().text;
  }
  // An identifier that names something (type, attribute, record key,
  // method): Cedar reserves its keywords and the `__cedar` namespace there.
  std::string name() {
    const SourcePos pos = peek().pos;
    std::string id = ident();
    static constexpr std::string_view kReserved[] = {"true", "false", "if",  "then", "else",
                                                     "in",   "is",    "like", "has"};
    if (is_known(kReserved, id)) throw SyntaxError{pos, "this identifier is reserved and cannot be used: " + id};
    if (id == "__cedar") throw SyntaxError{pos, "the name `__cedar` is reserved"};
    return id;
  }
  std::string string_literal() {
    if (peek().kind != TokenKind::String) fail("expected string literal, found " + describe(peek()));
    const Token& t = next();
    auto s = unescape_string(t.text);
    if (!s) throw SyntaxError{t.pos, "invalid escape in string literal"};
    return *s;
  }

  // ---- policies ----

  Policy policy() {
    Policy p;
    p.pos = peek().pos;
    while (accept("@")) {
      std::string key = ident();
      std::string value;
      if (accept("(")) {
        value = string_literal();
        expect(")");
      }
      for (const auto& [k, v] : p.annotations) {
        if (k == key) fail("duplicate annotation @" + key);
      }
      p.annotations.emplace_back(std::move(key), std::move(value));
    }
    if (is_ident("permit")) {
      p.effect = Effect::Permit;
    } else if (is_ident("forbid")) {
      p.effect = Effect::Forbid;
    } else {
      fail("expected 'permit' or 'forbid', found " + describe(peek()));
    }
    next();
    expect("(");
    expect_word("principal");
    p.principal = entity_scope("principal");
    expect(",");
    expect_word("action");
    p.action = action_scope();
    expect(",");
    expect_word("resource");
    p.resource = entity_scope("resource");
    accept(",");  // Cedar takes a trailing comma after the scope
    expect(")");
    while (is_ident("when") || is_ident("unless")) {
      Condition c;
      c.is_when = next().text == "when";
      expect("{");
      c.expr = expr();
      expect("}");
      p.conditions.push_back(std::move(c));
    }
    expect(";");
    return p;
  }

  // `var`: "principal" or "resource", the only slot the scope may name.
  EntityScope entity_scope(std::string_view var) {
    EntityScope s;
    if (accept("==")) {
      s.kind = EntityScope::Kind::Eq;
      scope_target(s, var);
    } else if (is_ident("in")) {
      next();
      s.kind = EntityScope::Kind::In;
      scope_target(s, var);
    } else if (is_ident("is")) {
      next();
      s.kind = EntityScope::Kind::Is;
      s.entity_type = path();
      if (is_ident("in")) {
        next();
        s.kind = EntityScope::Kind::IsIn;
        scope_target(s, var);
      }
    }
    return s;
  }

  // An entity literal or the template slot `?var`.
  void scope_target(EntityScope& s, std::string_view var) {
    if (!is_punct("?")) {
      s.entity = entity_literal();
      return;
    }
    const SourcePos pos = next().pos;
    if (peek().kind != TokenKind::Ident || peek().text != var) {
      throw SyntaxError{pos, "expected the slot ?" + std::string(var) + " here, found ?" + peek().text};
    }
    next();
    s.slot = true;
  }

  // The reference accepts only actions in the action scope.
  EntityUid action_literal() {
    const SourcePos pos = peek().pos;
    EntityUid uid = entity_literal();
    if (!is_action_type(uid.type)) throw SyntaxError{pos, "expected an action, found " + uid.type + " entity"};
    return uid;
  }

  ActionScope action_scope() {
    ActionScope s;
    if (accept("==")) {
      s.kind = ActionScope::Kind::Eq;
      s.entities.push_back(action_literal());
    } else if (is_ident("in")) {
      next();
      s.kind = ActionScope::Kind::In;
      if (accept("[")) {
        if (!is_punct("]")) {
          do {
            s.entities.push_back(action_literal());
          } while (accept(",") && !is_punct("]"));  // Cedar's lists take a trailing comma
        }
        expect("]");
      } else {
        s.entities.push_back(action_literal());
      }
    }
    return s;
  }

  // `A::B` (stops before `::"id"`).
  std::string path() {
    std::string name = this->name();
    while (is_punct("::") && peek(1).kind == TokenKind::Ident) {
      next();
      name += "::" + this->name();
    }
    return name;
  }

  EntityUid entity_literal() {
    if (peek().kind != TokenKind::Ident) fail("expected entity uid, found " + describe(peek()));
    EntityUid uid;
    uid.type = path();
    expect("::");
    uid.id = string_literal();
    return uid;
  }

  // ---- expressions ----

  ExprPtr make(SourcePos pos, auto node) {
    auto e = std::make_unique<Expr>();
    e->node = std::move(node);
    e->pos = pos;
    return e;
  }

  // Bounds recursion so that hostile input (deeply nested brackets) gets a
  // syntax error instead of exhausting the stack; evaluation recursion is
  // bounded by the same depth.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& parser) : parser_(parser) {
      if (parser_.depth_ >= kMaxDepth) parser_.fail("expression nested too deeply");
      ++parser_.depth_;
    }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    ~DepthGuard() { --parser_.depth_; }

   private:
    Parser& parser_;
  };
  static constexpr int kMaxDepth = 200;

  ExprPtr expr() {
    const DepthGuard guard(*this);
    const SourcePos pos = peek().pos;
    if (is_ident("if")) {
      next();
      auto cond = expr();
      expect_word("then");
      auto then_branch = expr();
      expect_word("else");
      auto else_branch = expr();
      return make(pos, IfExpr{std::move(cond), std::move(then_branch), std::move(else_branch)});
    }
    return or_expr();
  }

  ExprPtr or_expr() {
    auto lhs = and_expr();
    while (is_punct("||")) {
      const SourcePos pos = next().pos;
      lhs = make(pos, OrExpr{std::move(lhs), and_expr()});
    }
    return lhs;
  }

  ExprPtr and_expr() {
    auto lhs = relation();
    while (is_punct("&&")) {
      const SourcePos pos = next().pos;
      lhs = make(pos, AndExpr{std::move(lhs), relation()});
    }
    return lhs;
  }

  ExprPtr relation() {
    const std::size_t lhs_start = pos_;
    auto lhs = add();
    const SourcePos pos = peek().pos;
    static constexpr std::pair<std::string_view, BinaryOp> kOps[] = {
        {"==", BinaryOp::Eq}, {"!=", BinaryOp::Ne}, {"<", BinaryOp::Lt},
        {"<=", BinaryOp::Le}, {">", BinaryOp::Gt},  {">=", BinaryOp::Ge}};
    for (const auto& [text, op] : kOps) {
      if (is_punct(text)) {
        next();
        return make(pos, BinaryExpr{op, std::move(lhs), add()});
      }
    }
    if (is_ident("in")) {
      next();
      return make(pos, BinaryExpr{BinaryOp::In, std::move(lhs), add()});
    }
    if (is_ident("has")) {
      next();
      if (peek().kind == TokenKind::String) return make(pos, HasAttrExpr{std::move(lhs), string_literal()});
      return has_path(pos, std::move(lhs), lhs_start);
    }
    if (is_ident("like")) {
      next();
      if (peek().kind != TokenKind::String) fail("expected pattern string after 'like'");
      const Token& t = next();
      auto pattern = unescape_pattern(t.text);
      if (!pattern) throw SyntaxError{t.pos, "invalid escape in pattern"};
      return make(pos, LikeExpr{std::move(lhs), std::move(*pattern)});
    }
    if (is_ident("is")) {
      next();
      IsExpr is{std::move(lhs), path(), nullptr};
      if (is_ident("in")) {
        next();
        is.in = add();
      }
      return make(pos, std::move(is));
    }
    return lhs;
  }

  // `e has a.b.c` is Cedar's shorthand for `e has a && e.a has b && e.a.b has c`.
  // The tree has no copy operation, so each repetition of `e` is parsed
  // again from its tokens; a budget stops nested paths from multiplying.
  ExprPtr has_path(SourcePos pos, ExprPtr lhs, std::size_t lhs_start) {
    std::vector<std::string> attrs{name()};
    while (is_punct(".") && peek(1).kind == TokenKind::Ident) {
      next();
      attrs.push_back(name());
    }
    ExprPtr result = make(pos, HasAttrExpr{std::move(lhs), attrs[0]});
    const std::size_t resume = pos_;
    for (std::size_t i = 1; i < attrs.size(); ++i) {
      reparsed_tokens_ += resume - lhs_start;
      if (reparsed_tokens_ > kMaxReparsedTokens) fail("`has` attribute paths repeat too much text");
      pos_ = lhs_start;
      ExprPtr target = add();
      for (std::size_t j = 0; j < i; ++j) target = make(pos, GetAttrExpr{std::move(target), attrs[j]});
      result = make(pos, AndExpr{std::move(result), make(pos, HasAttrExpr{std::move(target), attrs[i]})});
    }
    pos_ = resume;
    return result;
  }

  ExprPtr add() {
    auto lhs = mult();
    while (is_punct("+") || is_punct("-")) {
      const Token& t = next();
      const BinaryOp op = t.text == "+" ? BinaryOp::Add : BinaryOp::Sub;
      lhs = make(t.pos, BinaryExpr{op, std::move(lhs), mult()});
    }
    return lhs;
  }

  ExprPtr mult() {
    auto lhs = unary();
    while (is_punct("*")) {
      const SourcePos pos = next().pos;
      lhs = make(pos, BinaryExpr{BinaryOp::Mul, std::move(lhs), unary()});
    }
    return lhs;
  }

  // Cedar's grammar allows at most four prefix operators in a row.
  ExprPtr unary(int depth = 0) {
    const SourcePos pos = peek().pos;
    if ((is_punct("!") || is_punct("-")) && depth == 4) fail("too many unary operators in a row");
    if (is_punct("!")) {
      next();
      return make(pos, UnaryExpr{UnaryOp::Not, unary(depth + 1)});
    }
    if (is_punct("-")) {
      next();
      // `-9223372036854775808` is a literal: its magnitude alone overflows.
      if (peek().kind == TokenKind::Int) {
        const Token& t = peek();
        if (auto v = parse_int(t.text, true)) {
          next();
          return member(make(pos, LiteralExpr{Value{*v}}));
        }
        fail("integer literal out of range");
      }
      return make(pos, UnaryExpr{UnaryOp::Neg, unary(depth + 1)});
    }
    return member(primary());
  }

  static std::optional<std::int64_t> parse_int(const std::string& digits, bool negative) {
    unsigned long long magnitude = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
    constexpr auto kMax = static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
      if (magnitude > kMax + 1) return std::nullopt;
      return magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                   : -static_cast<std::int64_t>(magnitude);
    }
    if (magnitude > kMax) return std::nullopt;
    return static_cast<std::int64_t>(magnitude);
  }

  ExprPtr member(ExprPtr target) {
    while (true) {
      const SourcePos pos = peek().pos;
      if (accept(".")) {
        const SourcePos name_pos = peek().pos;
        std::string name = this->name();
        if (accept("(")) {
          if (!is_known(kMethods, name)) throw SyntaxError{name_pos, "`" + name + "` is not a valid method"};
          MethodExpr m{std::move(target), std::move(name), arguments()};
          check_builtin_arity(name_pos, m);
          target = make(pos, std::move(m));
        } else {
          target = make(pos, GetAttrExpr{std::move(target), std::move(name)});
        }
      } else if (is_punct("[")) {
        next();
        std::string name = string_literal();
        expect("]");
        target = make(pos, GetAttrExpr{std::move(target), std::move(name)});
      } else {
        return target;
      }
    }
  }

  // After '(' : comma-separated expressions up to ')'.
  static void check_builtin_arity(const SourcePos& pos, const MethodExpr& m) {
    const auto expected = builtin_arity(m.name);
    if (!expected || m.args.size() == *expected) return;
    const auto count = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
    throw SyntaxError{pos, "call to `" + m.name + "` requires exactly " + count(*expected) + ", but got " + count(m.args.size())};
  }

  std::vector<ExprPtr> arguments() {
    std::vector<ExprPtr> args;
    if (!accept(")")) {
      do {
        args.push_back(expr());
      } while (accept(",") && !is_punct(")"));
      expect(")");
    }
    return args;
  }

  ExprPtr primary() {
    const Token& t = peek();
    const SourcePos pos = t.pos;
    switch (t.kind) {
      case TokenKind::Int: {
        auto v = parse_int(t.text, false);
        if (!v) fail("integer literal out of range");
        next();
        return make(pos, LiteralExpr{Value{*v}});
      }
      case TokenKind::String:
        return make(pos, LiteralExpr{Value{string_literal()}});
      case TokenKind::End:
        fail("unexpected end of input, expected an expression");
      case TokenKind::Punct:
        return punct_primary();
      case TokenKind::Ident:
        break;
    }
    if (t.text == "true" || t.text == "false") {
      next();
      return make(pos, LiteralExpr{Value{t.text == "true"}});
    }
    static constexpr std::pair<std::string_view, Var> kVars[] = {{"principal", Var::Principal},
                                                                 {"action", Var::Action},
                                                                 {"resource", Var::Resource},
                                                                 {"context", Var::Context}};
    for (const auto& [name, var] : kVars) {
      if (t.text == name && !is_punct("::", 1)) {
        next();
        return make(pos, VarExpr{var});
      }
    }
    std::string name = path();
    if (accept("::")) {
      EntityUid uid{std::move(name), string_literal()};
      return make(pos, LiteralExpr{Value{std::move(uid)}});
    }
    if (accept("(")) {
      if (!is_known(kFunctions, name)) throw SyntaxError{pos, "`" + name + "` is not a valid function"};
      return make(pos, CallExpr{std::move(name), arguments()});
    }
    throw SyntaxError{pos, "unexpected identifier '" + name + "'"};
  }

  ExprPtr punct_primary() {
    const SourcePos pos = peek().pos;
    if (is_punct("?")) fail("template slots are allowed only in the policy scope");
    if (accept("(")) {
      auto e = expr();
      expect(")");
      return e;
    }
    if (accept("[")) {
      SetExpr s;
      if (!accept("]")) {
        do {
          s.elements.push_back(expr());
        } while (accept(",") && !is_punct("]"));
        expect("]");
      }
      return make(pos, std::move(s));
    }
    if (accept("{")) {
      RecordExpr r;
      if (!accept("}")) {
        do {
          std::string key = peek().kind == TokenKind::String ? string_literal() : name();
          expect(":");
          r.fields.emplace_back(std::move(key), expr());
        } while (accept(",") && !is_punct("}"));
        expect("}");
      }
      for (std::size_t i = 0; i < r.fields.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (r.fields[i].first == r.fields[j].first) throw SyntaxError{pos, "duplicate record key"};
        }
      }
      return make(pos, std::move(r));
    }
    fail("unexpected " + describe(peek()) + ", expected an expression");
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  static constexpr std::size_t kMaxReparsedTokens = 1 << 20;
  std::size_t reparsed_tokens_ = 0;
};

}  // namespace

std::expected<PolicySet, SyntaxError> parse_policies(std::string_view text) {
  try {
    Parser parser(tokenize(text));
    return parser.policy_set();
  } catch (const SyntaxError& e) {
    return std::unexpected(e);
  }
}

std::expected<ExprPtr, SyntaxError> parse_expression(std::string_view text) {
  try {
    Parser parser(tokenize(text));
    return parser.whole_expression();
  } catch (const SyntaxError& e) {
    return std::unexpected(e);
  }
}

}  // namespace mandate::policy
