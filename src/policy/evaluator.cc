#include "policy/evaluator.h"

#include <algorithm>

namespace mandate::policy {
namespace {

// Thrown inside the tree walk and caught at the public entry points: errors
// abort the whole expression, so unwinding is the natural control flow.
struct EvalError {
  std::string message;
};

[[noreturn]] void type_error(const std::string& expected, const Value& got) {
  throw EvalError{"type error: expected " + expected + ", got " + type_name(got)};
}

bool as_bool(const Value& v) {
  if (const auto* b = std::get_if<bool>(&v.data)) return *b;
  type_error("Bool", v);
}
std::int64_t as_long(const Value& v) {
  if (const auto* l = std::get_if<std::int64_t>(&v.data)) return *l;
  type_error("Long", v);
}
const std::string& as_string(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v.data)) return *s;
  type_error("String", v);
}
const EntityUid& as_entity(const Value& v) {
  if (const auto* e = std::get_if<EntityUid>(&v.data)) return *e;
  type_error("Entity", v);
}
const std::vector<Value>& as_set(const Value& v) {
  if (const auto* s = std::get_if<SetPtr>(&v.data)) return **s;
  type_error("Set", v);
}
Decimal as_decimal(const Value& v) {
  if (const auto* d = std::get_if<Decimal>(&v.data)) return *d;
  type_error("decimal", v);
}
Datetime as_datetime(const Value& v) {
  if (const auto* d = std::get_if<Datetime>(&v.data)) return *d;
  type_error("datetime", v);
}
Duration as_duration(const Value& v) {
  if (const auto* d = std::get_if<Duration>(&v.data)) return *d;
  type_error("duration", v);
}
const IpAddr& as_ip(const Value& v) {
  if (const auto* ip = std::get_if<IpAddr>(&v.data)) return *ip;
  type_error("ipaddr", v);
}

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i++]);
    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    char32_t cp = extra == 3 ? (b & 0x07) : extra == 2 ? (b & 0x0F) : extra == 1 ? (b & 0x1F) : b;
    while (extra-- > 0 && i < s.size()) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
    out.push_back(cp);
  }
  return out;
}

class Evaluator {
 public:
  Evaluator(const Request& request, const Entities& entities) : request_(request), entities_(entities) {}

  Value eval(const Expr& e) {
    return std::visit([this](const auto& node) { return eval_node(node); }, e.node);
  }

  bool in(const EntityUid& uid, const EntityUid& ancestor) const {
    return entities_.is_descendant_or_self(uid, ancestor);
  }

 private:
  Value eval_node(const LiteralExpr& n) { return n.value; }

  Value eval_node(const VarExpr& n) {
    switch (n.var) {
      case Var::Principal:
        return Value{request_.principal};
      case Var::Action:
        return Value{request_.action};
      case Var::Resource:
        return Value{request_.resource};
      case Var::Context:
        return request_.context;
    }
    return request_.context;
  }

  Value eval_node(const UnaryExpr& n) {
    const Value v = eval(*n.operand);
    if (n.op == UnaryOp::Not) return Value{!as_bool(v)};
    const std::int64_t x = as_long(v);
    std::int64_t out = 0;
    if (__builtin_sub_overflow(std::int64_t{0}, x, &out)) throw EvalError{"integer overflow in negation"};
    return Value{out};
  }

  Value eval_node(const BinaryExpr& n) {
    const Value lhs = eval(*n.lhs);
    const Value rhs = eval(*n.rhs);
    switch (n.op) {
      case BinaryOp::Eq:
        return Value{lhs == rhs};
      case BinaryOp::Ne:
        return Value{!(lhs == rhs)};
      case BinaryOp::Lt:
        return Value{compare(lhs, rhs) < 0};
      case BinaryOp::Le:
        return Value{compare(lhs, rhs) <= 0};
      case BinaryOp::Gt:
        return Value{compare(lhs, rhs) > 0};
      case BinaryOp::Ge:
        return Value{compare(lhs, rhs) >= 0};
      case BinaryOp::Add:
        return arithmetic(n.op, lhs, rhs);
      case BinaryOp::Sub:
        return arithmetic(n.op, lhs, rhs);
      case BinaryOp::Mul:
        return arithmetic(n.op, lhs, rhs);
      case BinaryOp::In:
        return Value{eval_in(lhs, rhs)};
    }
    return Value{false};
  }

  // Relational operators: Long with Long, datetime with datetime, duration
  // with duration; anything else is a type error.
  static std::strong_ordering compare(const Value& lhs, const Value& rhs) {
    if (const auto* a = std::get_if<Datetime>(&lhs.data)) return a->ms <=> as_datetime(rhs).ms;
    if (const auto* a = std::get_if<Duration>(&lhs.data)) return a->ms <=> as_duration(rhs).ms;
    return as_long(lhs) <=> as_long(rhs);
  }

  static Value arithmetic(BinaryOp op, const Value& lhs, const Value& rhs) {
    const std::int64_t a = as_long(lhs), b = as_long(rhs);
    std::int64_t out = 0;
    bool overflow = false;
    if (op == BinaryOp::Add) overflow = __builtin_add_overflow(a, b, &out);
    if (op == BinaryOp::Sub) overflow = __builtin_sub_overflow(a, b, &out);
    if (op == BinaryOp::Mul) overflow = __builtin_mul_overflow(a, b, &out);
    if (overflow) throw EvalError{"integer overflow"};
    return Value{out};
  }

  bool eval_in(const Value& lhs, const Value& rhs) const {
    const EntityUid& uid = as_entity(lhs);
    if (rhs.is_entity()) return in(uid, std::get<EntityUid>(rhs.data));
    if (!rhs.is_set()) type_error("Entity or Set", rhs);
    bool found = false;
    for (const Value& candidate : as_set(rhs)) {
      // Every element must be an entity, even after a match.
      found = in(uid, as_entity(candidate)) || found;
    }
    return found;
  }

  Value eval_node(const AndExpr& n) {
    if (!as_bool(eval(*n.lhs))) return Value{false};
    return Value{as_bool(eval(*n.rhs))};
  }

  Value eval_node(const OrExpr& n) {
    if (as_bool(eval(*n.lhs))) return Value{true};
    return Value{as_bool(eval(*n.rhs))};
  }

  Value eval_node(const IfExpr& n) {
    return as_bool(eval(*n.cond)) ? eval(*n.then_branch) : eval(*n.else_branch);
  }

  Value eval_node(const GetAttrExpr& n) {
    const Value target = eval(*n.target);
    const Record* fields = attributes_of(target, true);
    const auto it = fields->find(n.attr);
    if (it == fields->end()) throw EvalError{"attribute `" + n.attr + "` not found"};
    return it->second;
  }

  Value eval_node(const HasAttrExpr& n) {
    const Value target = eval(*n.target);
    const Record* fields = attributes_of(target, false);
    return Value{fields != nullptr && fields->contains(n.attr)};
  }

  // The record behind a record value or an entity; for an entity missing
  // from the store, an error (`required`) or nullptr.
  const Record* attributes_of(const Value& target, bool required) const {
    if (const auto* rec = std::get_if<RecordPtr>(&target.data)) return rec->get();
    if (!target.is_entity()) type_error("Entity or Record", target);
    const EntityUid& uid = std::get<EntityUid>(target.data);
    const Entity* entity = entities_.find(uid);
    if (entity == nullptr) {
      if (required) throw EvalError{"entity " + to_string(target) + " does not exist"};
      return nullptr;
    }
    return &entity->attrs;
  }

  Value eval_node(const LikeExpr& n) { return Value{matches_pattern(as_string(eval(*n.target)), n.pattern)}; }

  Value eval_node(const IsExpr& n) {
    const Value target = eval(*n.target);
    if (as_entity(target).type != n.entity_type) return Value{false};
    if (!n.in) return Value{true};
    return Value{eval_in(target, eval(*n.in))};
  }

  Value eval_node(const SetExpr& n) {
    std::vector<Value> elements;
    elements.reserve(n.elements.size());
    for (const auto& e : n.elements) elements.push_back(eval(*e));
    return make_set(std::move(elements));
  }

  Value eval_node(const RecordExpr& n) {
    Record fields;
    for (const auto& [key, e] : n.fields) fields.insert_or_assign(key, eval(*e));
    return make_record(std::move(fields));
  }

  Value eval_node(const CallExpr& n) {
    std::vector<Value> args = eval_args(n.args);
    if (args.size() != 1) throw EvalError{n.name + " takes one argument"};
    const std::string& text = as_string(args[0]);
    if (n.name == "decimal") {
      if (auto d = parse_decimal(text)) return Value{*d};
      throw EvalError{"invalid decimal literal \"" + text + "\""};
    }
    if (n.name == "ip") {
      if (auto ip = parse_ip(text)) return Value{*ip};
      throw EvalError{"invalid ip literal \"" + text + "\""};
    }
    if (n.name == "datetime") {
      if (auto d = parse_datetime(text)) return Value{*d};
      throw EvalError{"invalid datetime literal \"" + text + "\""};
    }
    if (n.name == "duration") {
      if (auto d = parse_duration(text)) return Value{*d};
      throw EvalError{"invalid duration literal \"" + text + "\""};
    }
    throw EvalError{"unknown extension function " + n.name};
  }

  std::vector<Value> eval_args(const std::vector<ExprPtr>& exprs) {
    std::vector<Value> out;
    out.reserve(exprs.size());
    for (const auto& e : exprs) out.push_back(eval(*e));
    return out;
  }

  Value eval_node(const MethodExpr& n) {
    const Value recv = eval(*n.receiver);
    const std::vector<Value> args = eval_args(n.args);
    auto arity = [&](std::size_t count) {
      if (args.size() != count) throw EvalError{n.name + ": wrong number of arguments"};
    };
    const std::string& m = n.name;
    if (m == "contains") {
      arity(1);
      const auto& set = as_set(recv);
      return Value{std::find(set.begin(), set.end(), args[0]) != set.end()};
    }
    if (m == "containsAll" || m == "containsAny") {
      arity(1);
      const auto& set = as_set(recv);
      const auto& other = as_set(args[0]);
      auto present = [&set](const Value& v) { return std::find(set.begin(), set.end(), v) != set.end(); };
      return Value{m == "containsAll" ? std::all_of(other.begin(), other.end(), present)
                                      : std::any_of(other.begin(), other.end(), present)};
    }
    if (m == "isEmpty") {
      arity(0);
      return Value{as_set(recv).empty()};
    }
    if (m == "getTag" || m == "hasTag") {
      arity(1);
      const EntityUid& uid = as_entity(recv);
      const std::string& tag = as_string(args[0]);
      const Entity* entity = entities_.find(uid);
      if (m == "hasTag") return Value{entity != nullptr && entity->tags.contains(tag)};
      if (entity == nullptr) throw EvalError{"entity " + to_string(recv) + " does not exist"};
      const auto it = entity->tags.find(tag);
      if (it == entity->tags.end()) throw EvalError{"tag `" + tag + "` not found"};
      return it->second;
    }
    if (m == "lessThan" || m == "lessThanOrEqual" || m == "greaterThan" || m == "greaterThanOrEqual") {
      arity(1);
      const Decimal a = as_decimal(recv), b = as_decimal(args[0]);
      if (m == "lessThan") return Value{a < b};
      if (m == "lessThanOrEqual") return Value{a <= b};
      if (m == "greaterThan") return Value{a > b};
      return Value{a >= b};
    }
    if (m == "isIpv4" || m == "isIpv6" || m == "isLoopback" || m == "isMulticast") {
      arity(0);
      const IpAddr& ip = as_ip(recv);
      if (m == "isIpv4") return Value{ip.v4};
      if (m == "isIpv6") return Value{!ip.v4};
      if (m == "isLoopback") return Value{is_loopback(ip)};
      return Value{is_multicast(ip)};
    }
    if (m == "isInRange") {
      arity(1);
      return Value{is_in_range(as_ip(recv), as_ip(args[0]))};
    }
    if (m == "offset" || m == "durationSince" || m == "toDate" || m == "toTime") {
      const Datetime dt = as_datetime(recv);
      std::int64_t out = 0;
      if (m == "offset") {
        arity(1);
        if (__builtin_add_overflow(dt.ms, as_duration(args[0]).ms, &out))
          throw EvalError{"datetime overflow"};
        return Value{Datetime{out}};
      }
      if (m == "durationSince") {
        arity(1);
        if (__builtin_sub_overflow(dt.ms, as_datetime(args[0]).ms, &out))
          throw EvalError{"duration overflow"};
        return Value{Duration{out}};
      }
      arity(0);
      constexpr std::int64_t kDay = 86'400'000;
      // Floor division: times before the epoch belong to the earlier day.
      std::int64_t days = dt.ms / kDay;
      if (dt.ms % kDay < 0) --days;
      const std::int64_t midnight = days * kDay;  // |days * kDay| <= |dt.ms| + kDay: no overflow
      if (m == "toDate") return Value{Datetime{midnight}};
      return Value{Duration{dt.ms - midnight}};
    }
    static constexpr std::pair<std::string_view, std::int64_t> kDurationUnits[] = {{"toDays", 86'400'000},
                                                                                   {"toHours", 3'600'000},
                                                                                   {"toMinutes", 60'000},
                                                                                   {"toSeconds", 1'000},
                                                                                   {"toMilliseconds", 1}};
    for (const auto& [name, unit] : kDurationUnits) {
      if (m == name) {
        arity(0);
        return Value{as_duration(recv).ms / unit};  // truncates toward zero, as Rust does
      }
    }
    throw EvalError{"unknown method " + m};
  }

  const Request& request_;
  const Entities& entities_;
};

bool scope_matches(const EntityScope& scope, const EntityUid& uid, const Evaluator& ev) {
  switch (scope.kind) {
    case EntityScope::Kind::Any:
      return true;
    case EntityScope::Kind::Eq:
      return uid == scope.entity;
    case EntityScope::Kind::In:
      return ev.in(uid, scope.entity);
    case EntityScope::Kind::Is:
      return uid.type == scope.entity_type;
    case EntityScope::Kind::IsIn:
      return uid.type == scope.entity_type && ev.in(uid, scope.entity);
  }
  return false;
}

bool action_matches(const ActionScope& scope, const EntityUid& uid, const Evaluator& ev) {
  switch (scope.kind) {
    case ActionScope::Kind::Any:
      return true;
    case ActionScope::Kind::Eq:
      return uid == scope.entities.front();
    case ActionScope::Kind::In:
      return std::any_of(scope.entities.begin(), scope.entities.end(),
                         [&](const EntityUid& a) { return ev.in(uid, a); });
  }
  return false;
}

}  // namespace

bool matches_pattern(std::string_view text, const std::vector<PatternElem>& pattern) {
  const std::vector<char32_t> s = code_points(text);
  // Greedy matching with one backtrack point: linear-ish, no recursion.
  std::size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < pattern.size() && !pattern[pi].wildcard && pattern[pi].ch == s[si]) {
      ++si;
      ++pi;
    } else if (pi < pattern.size() && pattern[pi].wildcard) {
      star_p = pi++;
      star_s = si;
    } else if (star_p != std::string_view::npos) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < pattern.size() && pattern[pi].wildcard) ++pi;
  return pi == pattern.size();
}

std::expected<Value, std::string> evaluate(const Expr& expr, const Request& request,
                                           const Entities& entities) {
  try {
    Evaluator ev(request, entities);
    return ev.eval(expr);
  } catch (const EvalError& e) {
    return std::unexpected(e.message);
  }
}

std::expected<bool, std::string> is_satisfied(const Policy& policy, const Request& request,
                                              const Entities& entities) {
  try {
    Evaluator ev(request, entities);
    if (!scope_matches(policy.principal, request.principal, ev) ||
        !action_matches(policy.action, request.action, ev) ||
        !scope_matches(policy.resource, request.resource, ev)) {
      return false;
    }
    for (const auto& c : policy.conditions) {
      if (as_bool(ev.eval(*c.expr)) != c.is_when) return false;
    }
    return true;
  } catch (const EvalError& e) {
    return std::unexpected(e.message);
  }
}

}  // namespace mandate::policy
