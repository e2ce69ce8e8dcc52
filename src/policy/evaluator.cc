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

// One UTF-8 code point at `at`, and how many bytes it takes. Malformed
// sequences decode leniently: Cedar strings reach here already validated.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t at) {
  const auto b = static_cast<unsigned char>(s[at]);
  std::size_t extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  char32_t cp = extra == 3 ? (b & 0x07) : extra == 2 ? (b & 0x0F) : extra == 1 ? (b & 0x1F) : b;
  std::size_t i = at + 1;
  while (extra-- > 0 && i < s.size()) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return {cp, i - at};
}

bool in_entity(const EntityUid& uid, const Entity* entity, const EntityUid& ancestor) {
  return uid == ancestor || (entity != nullptr && entity->ancestors.contains(ancestor));
}

}  // namespace

// The tree walk. eval() returns a reference to the value wherever it already
// lives -- the syntax tree, the request, the entity store -- and computes
// into the caller's `scratch` only what is new, so attribute access and
// variables copy nothing.
class ExpressionWalk {
 public:
  explicit ExpressionWalk(const RequestEvaluator& request) : r_(request) {}

  const Value& eval(const Expr& e, Value& scratch) const {
    return std::visit([&](const auto& node) -> const Value& { return eval_node(node, scratch); }, e.node);
  }

 private:
  const Value& boolean(bool b) const { return b ? true_ : false_; }
  static const Value& put(Value& scratch, Value v) {
    scratch = std::move(v);
    return scratch;
  }

  // The store's entry for `uid`; the request's own entities were looked up once.
  const Entity* entity_of(const EntityUid& uid) const {
    if (&uid == &std::get<EntityUid>(r_.principal_.data)) return r_.principal_entity_;
    if (&uid == &std::get<EntityUid>(r_.resource_.data)) return r_.resource_entity_;
    if (&uid == &std::get<EntityUid>(r_.action_.data)) return r_.action_entity_;
    return r_.entities_.find(uid);
  }

  const Value& eval_node(const LiteralExpr& n, Value&) const { return n.value; }

  const Value& eval_node(const VarExpr& n, Value&) const {
    switch (n.var) {
      case Var::Principal:
        return r_.principal_;
      case Var::Action:
        return r_.action_;
      case Var::Resource:
        return r_.resource_;
      case Var::Context:
        return r_.request_.context;
    }
    return r_.request_.context;
  }

  const Value& eval_node(const UnaryExpr& n, Value& scratch) const {
    Value tmp;
    const Value& v = eval(*n.operand, tmp);
    if (n.op == UnaryOp::Not) return boolean(!as_bool(v));
    const std::int64_t x = as_long(v);
    std::int64_t out = 0;
    if (__builtin_sub_overflow(std::int64_t{0}, x, &out)) throw EvalError{"integer overflow in negation"};
    return put(scratch, Value{out});
  }

  const Value& eval_node(const BinaryExpr& n, Value& scratch) const {
    Value lhs_tmp, rhs_tmp;
    const Value& lhs = eval(*n.lhs, lhs_tmp);
    const Value& rhs = eval(*n.rhs, rhs_tmp);
    switch (n.op) {
      case BinaryOp::Eq:
        return boolean(lhs == rhs);
      case BinaryOp::Ne:
        return boolean(!(lhs == rhs));
      case BinaryOp::Lt:
        return boolean(compare(lhs, rhs) < 0);
      case BinaryOp::Le:
        return boolean(compare(lhs, rhs) <= 0);
      case BinaryOp::Gt:
        return boolean(compare(lhs, rhs) > 0);
      case BinaryOp::Ge:
        return boolean(compare(lhs, rhs) >= 0);
      case BinaryOp::Add:
      case BinaryOp::Sub:
      case BinaryOp::Mul:
        return put(scratch, arithmetic(n.op, lhs, rhs));
      case BinaryOp::In:
        return boolean(eval_in(lhs, rhs));
    }
    return false_;
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
    const Entity* entity = entity_of(uid);
    if (rhs.is_entity()) return in_entity(uid, entity, std::get<EntityUid>(rhs.data));
    if (!rhs.is_set()) type_error("Entity or Set", rhs);
    bool found = false;
    for (const Value& candidate : as_set(rhs)) {
      // Every element must be an entity, even after a match.
      found = in_entity(uid, entity, as_entity(candidate)) || found;
    }
    return found;
  }

  const Value& eval_node(const AndExpr& n, Value&) const {
    Value tmp;
    if (!as_bool(eval(*n.lhs, tmp))) return false_;
    return boolean(as_bool(eval(*n.rhs, tmp)));
  }

  const Value& eval_node(const OrExpr& n, Value&) const {
    Value tmp;
    if (as_bool(eval(*n.lhs, tmp))) return true_;
    return boolean(as_bool(eval(*n.rhs, tmp)));
  }

  const Value& eval_node(const IfExpr& n, Value& scratch) const {
    Value tmp;
    return as_bool(eval(*n.cond, tmp)) ? eval(*n.then_branch, scratch) : eval(*n.else_branch, scratch);
  }

  const Value& eval_node(const GetAttrExpr& n, Value& scratch) const {
    Value tmp;
    const Value& target = eval(*n.target, tmp);
    const Record* fields = attributes_of(target, true);
    const auto it = fields->find(n.attr);
    if (it == fields->end()) throw EvalError{"attribute `" + n.attr + "` not found"};
    // A record computed into `tmp` dies with it: copy out of that one only.
    if (&target == &tmp && target.is_record()) return put(scratch, it->second);
    return it->second;
  }

  const Value& eval_node(const HasAttrExpr& n, Value&) const {
    Value tmp;
    const Record* fields = attributes_of(eval(*n.target, tmp), false);
    return boolean(fields != nullptr && fields->contains(n.attr));
  }

  // The record behind a record value or an entity; for an entity missing
  // from the store, an error (`required`) or nullptr.
  const Record* attributes_of(const Value& target, bool required) const {
    if (const auto* rec = std::get_if<RecordPtr>(&target.data)) return rec->get();
    if (!target.is_entity()) type_error("Entity or Record", target);
    const Entity* entity = entity_of(std::get<EntityUid>(target.data));
    if (entity == nullptr) {
      if (required) throw EvalError{"entity " + to_string(target) + " does not exist"};
      return nullptr;
    }
    return &entity->attrs;
  }

  const Value& eval_node(const LikeExpr& n, Value&) const {
    Value tmp;
    return boolean(matches_pattern(as_string(eval(*n.target, tmp)), n.pattern));
  }

  const Value& eval_node(const IsExpr& n, Value&) const {
    Value tmp;
    const Value& target = eval(*n.target, tmp);
    if (as_entity(target).type != n.entity_type) return false_;
    if (!n.in) return true_;
    Value in_tmp;
    return boolean(eval_in(target, eval(*n.in, in_tmp)));
  }

  const Value& eval_node(const SetExpr& n, Value& scratch) const {
    std::vector<Value> elements;
    elements.reserve(n.elements.size());
    Value tmp;
    for (const auto& e : n.elements) elements.push_back(eval(*e, tmp));
    return put(scratch, make_set(std::move(elements)));
  }

  const Value& eval_node(const RecordExpr& n, Value& scratch) const {
    Record fields;
    Value tmp;
    for (const auto& [key, e] : n.fields) fields.insert_or_assign(key, eval(*e, tmp));
    return put(scratch, make_record(std::move(fields)));
  }

  // Arguments are evaluated in order, all of them, before the call checks
  // its arity: an erroring argument is reported as such.
  struct Args {
    std::vector<Value> tmp;
    std::vector<const Value*> values;
    std::size_t size() const { return values.size(); }
    const Value& operator[](std::size_t i) const { return *values[i]; }
  };
  void eval_args(const std::vector<ExprPtr>& exprs, Args& args) const {
    args.tmp.resize(exprs.size());
    args.values.reserve(exprs.size());
    for (std::size_t i = 0; i < exprs.size(); ++i) args.values.push_back(&eval(*exprs[i], args.tmp[i]));
  }

  const Value& eval_node(const CallExpr& n, Value& scratch) const {
    Args args;
    eval_args(n.args, args);
    if (args.size() != 1) throw EvalError{n.name + " takes one argument"};
    const std::string& text = as_string(args[0]);
    if (n.name == "decimal") {
      if (auto d = parse_decimal(text)) return put(scratch, Value{*d});
      throw EvalError{"invalid decimal literal \"" + text + "\""};
    }
    if (n.name == "ip") {
      if (auto ip = parse_ip(text)) return put(scratch, Value{*ip});
      throw EvalError{"invalid ip literal \"" + text + "\""};
    }
    if (n.name == "datetime") {
      if (auto d = parse_datetime(text)) return put(scratch, Value{*d});
      throw EvalError{"invalid datetime literal \"" + text + "\""};
    }
    if (n.name == "duration") {
      if (auto d = parse_duration(text)) return put(scratch, Value{*d});
      throw EvalError{"invalid duration literal \"" + text + "\""};
    }
    throw EvalError{"unknown extension function " + n.name};
  }

  const Value& eval_node(const MethodExpr& n, Value& scratch) const {
    Value recv_tmp;
    const Value& recv = eval(*n.receiver, recv_tmp);
    // Every method takes at most one argument: no allocation for those.
    Value arg_tmp;
    Args many;
    const Value* arg = nullptr;
    if (n.args.size() == 1) {
      arg = &eval(*n.args[0], arg_tmp);
    } else if (n.args.size() > 1) {
      eval_args(n.args, many);
    }
    const auto arity = [&](std::size_t count) {
      if (n.args.size() != count) throw EvalError{n.name + ": wrong number of arguments"};
    };
    const std::string& m = n.name;
    if (m == "contains") {
      arity(1);
      const auto& set = as_set(recv);
      return boolean(std::find(set.begin(), set.end(), *arg) != set.end());
    }
    if (m == "containsAll" || m == "containsAny") {
      arity(1);
      const auto& set = as_set(recv);
      const auto& other = as_set(*arg);
      auto present = [&set](const Value& v) { return std::find(set.begin(), set.end(), v) != set.end(); };
      return boolean(m == "containsAll" ? std::all_of(other.begin(), other.end(), present)
                                        : std::any_of(other.begin(), other.end(), present));
    }
    if (m == "isEmpty") {
      arity(0);
      return boolean(as_set(recv).empty());
    }
    if (m == "getTag" || m == "hasTag") {
      arity(1);
      const Entity* entity = entity_of(as_entity(recv));
      const std::string& tag = as_string(*arg);
      if (m == "hasTag") return boolean(entity != nullptr && entity->tags.contains(tag));
      if (entity == nullptr) throw EvalError{"entity " + to_string(recv) + " does not exist"};
      const auto it = entity->tags.find(tag);
      if (it == entity->tags.end()) throw EvalError{"tag `" + tag + "` not found"};
      return it->second;
    }
    return put(scratch, extension_method(n, recv, arg));
  }

  // The decimal, ipaddr, datetime and duration methods.
  static Value extension_method(const MethodExpr& n, const Value& recv, const Value* arg) {
    const auto arity = [&](std::size_t count) {
      if (n.args.size() != count) throw EvalError{n.name + ": wrong number of arguments"};
    };
    const std::string& m = n.name;
    if (m == "lessThan" || m == "lessThanOrEqual" || m == "greaterThan" || m == "greaterThanOrEqual") {
      arity(1);
      const Decimal a = as_decimal(recv), b = as_decimal(*arg);
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
      return Value{is_in_range(as_ip(recv), as_ip(*arg))};
    }
    if (m == "offset" || m == "durationSince" || m == "toDate" || m == "toTime") {
      const Datetime dt = as_datetime(recv);
      std::int64_t out = 0;
      if (m == "offset") {
        arity(1);
        if (__builtin_add_overflow(dt.ms, as_duration(*arg).ms, &out)) throw EvalError{"datetime overflow"};
        return Value{Datetime{out}};
      }
      if (m == "durationSince") {
        arity(1);
        if (__builtin_sub_overflow(dt.ms, as_datetime(*arg).ms, &out)) throw EvalError{"duration overflow"};
        return Value{Duration{out}};
      }
      arity(0);
      constexpr std::int64_t kDay = 86'400'000;
      // Times before the epoch belong to the earlier day: the time of day is
      // the Euclidean remainder, never negative. Midnight of the earliest
      // representable day lies before the earliest datetime: an overflow,
      // as in the reference engine.
      std::int64_t time_of_day = dt.ms % kDay;
      if (time_of_day < 0) time_of_day += kDay;
      if (m == "toTime") return Value{Duration{time_of_day}};
      if (__builtin_sub_overflow(dt.ms, time_of_day, &out)) throw EvalError{"datetime overflow"};
      return Value{Datetime{out}};
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

  const RequestEvaluator& r_;
  const Value true_{true};
  const Value false_{false};
};

namespace {
const Entity* find_entity(const Entities& entities, const EntityUid& uid) { return entities.find(uid); }
}  // namespace

bool matches_pattern(std::string_view text, const std::vector<PatternElem>& pattern) {
  // Greedy matching with one backtrack point over the UTF-8 bytes, decoding
  // one code point at a time: linear-ish, no recursion, no allocation.
  std::size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < text.size()) {
    const auto [cp, width] = decode(text, si);
    if (pi < pattern.size() && !pattern[pi].wildcard && pattern[pi].ch == cp) {
      si += width;
      ++pi;
    } else if (pi < pattern.size() && pattern[pi].wildcard) {
      star_p = pi++;
      star_s = si;
    } else if (star_p != std::string_view::npos) {
      pi = star_p + 1;
      star_s += decode(text, star_s).second;
      si = star_s;
    } else {
      return false;
    }
  }
  while (pi < pattern.size() && pattern[pi].wildcard) ++pi;
  return pi == pattern.size();
}

RequestEvaluator::RequestEvaluator(const Request& request, const Entities& entities)
    : request_(request),
      entities_(entities),
      principal_{request.principal},
      action_{request.action},
      resource_{request.resource},
      principal_entity_(find_entity(entities, request.principal)),
      action_entity_(find_entity(entities, request.action)),
      resource_entity_(find_entity(entities, request.resource)) {}

bool RequestEvaluator::scope_matches(const EntityScope& scope, const EntityUid& uid, const Entity* entity) const {
  switch (scope.kind) {
    case EntityScope::Kind::Any:
      return true;
    case EntityScope::Kind::Eq:
      return uid == scope.entity;
    case EntityScope::Kind::In:
      return in_entity(uid, entity, scope.entity);
    case EntityScope::Kind::Is:
      return uid.type == scope.entity_type;
    case EntityScope::Kind::IsIn:
      return uid.type == scope.entity_type && in_entity(uid, entity, scope.entity);
  }
  return false;
}

bool RequestEvaluator::action_matches(const ActionScope& scope) const {
  const EntityUid& uid = request_.action;
  switch (scope.kind) {
    case ActionScope::Kind::Any:
      return true;
    case ActionScope::Kind::Eq:
      return uid == scope.entities.front();
    case ActionScope::Kind::In:
      return std::any_of(scope.entities.begin(), scope.entities.end(),
                         [&](const EntityUid& a) { return in_entity(uid, action_entity_, a); });
  }
  return false;
}

std::expected<Value, std::string> RequestEvaluator::evaluate(const Expr& expr) const {
  try {
    Value scratch;
    return ExpressionWalk(*this).eval(expr, scratch);
  } catch (const EvalError& e) {
    return std::unexpected(e.message);
  }
}

std::expected<bool, std::string> RequestEvaluator::is_satisfied(const Policy& policy) const {
  if (!scope_matches(policy.principal, request_.principal, principal_entity_) || !action_matches(policy.action) ||
      !scope_matches(policy.resource, request_.resource, resource_entity_)) {
    return false;
  }
  try {
    const ExpressionWalk walk(*this);
    Value scratch;
    for (const auto& c : policy.conditions) {
      if (as_bool(walk.eval(*c.expr, scratch)) != c.is_when) return false;
    }
    return true;
  } catch (const EvalError& e) {
    return std::unexpected(e.message);
  }
}

std::expected<Value, std::string> evaluate(const Expr& expr, const Request& request, const Entities& entities) {
  return RequestEvaluator(request, entities).evaluate(expr);
}

std::expected<bool, std::string> is_satisfied(const Policy& policy, const Request& request, const Entities& entities) {
  return RequestEvaluator(request, entities).is_satisfied(policy);
}

}  // namespace mandate::policy
