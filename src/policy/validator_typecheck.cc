#include "policy/internal/validator_typecheck.h"

#include <functional>
#include <type_traits>

namespace mandate::policy::typecheck {
namespace {

using vtypes::VType;
using Kind = VType::Kind;
using Caps = std::set<std::string>;

// A typing answer: `ok` false means a type error was found here or below
// (possibly reported by another pass); `type` may still be known.
struct Answer {
  bool ok = true;
  std::optional<VType> type;
  Caps caps;  // attributes/tags known to exist when the expression is true
};

Answer success(VType type, Caps caps = {}) { return {true, std::move(type), std::move(caps)}; }
Answer failure(std::optional<VType> type = std::nullopt) { return {false, std::move(type), {}}; }

Caps unite(const Caps& a, const Caps& b) {
  Caps out = a;
  out.insert(b.begin(), b.end());
  return out;
}

Caps intersect(const Caps& a, const Caps& b) {
  Caps out;
  for (const auto& c : a) {
    if (b.contains(c)) out.insert(c);
  }
  return out;
}

bool is_kind(const std::optional<VType>& t, Kind kind) { return t && t->kind == kind; }

// The shape of an expression (positions ignored): capabilities are keyed by
// the expression they are about, as Cedar compares them.
void shape(const Expr& e, std::string& out) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        auto sub = [&](const ExprPtr& p) {
          out += '(';
          if (p) shape(*p, out);
          out += ')';
        };
        if constexpr (std::is_same_v<T, LiteralExpr>) {
          const std::string text = type_name(n.value) + ":" + to_string(n.value);
          out += "L" + std::to_string(text.size()) + ":" + text;
        } else if constexpr (std::is_same_v<T, VarExpr>) {
          out += "V" + std::to_string(static_cast<int>(n.var));
        } else if constexpr (std::is_same_v<T, UnaryExpr>) {
          out += "U" + std::to_string(static_cast<int>(n.op));
          sub(n.operand);
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          out += "B" + std::to_string(static_cast<int>(n.op));
          sub(n.lhs);
          sub(n.rhs);
        } else if constexpr (std::is_same_v<T, AndExpr> || std::is_same_v<T, OrExpr>) {
          out += std::is_same_v<T, AndExpr> ? "&" : "|";
          sub(n.lhs);
          sub(n.rhs);
        } else if constexpr (std::is_same_v<T, IfExpr>) {
          out += "?";
          sub(n.cond);
          sub(n.then_branch);
          sub(n.else_branch);
        } else if constexpr (std::is_same_v<T, GetAttrExpr> || std::is_same_v<T, HasAttrExpr>) {
          out += std::is_same_v<T, GetAttrExpr> ? "." : "h";
          sub(n.target);
          out += std::to_string(n.attr.size()) + ":" + n.attr;
        } else if constexpr (std::is_same_v<T, LikeExpr>) {
          out += "~";
          sub(n.target);
          for (const auto& p : n.pattern) out += p.wildcard ? "*" : "c" + std::to_string(p.ch) + ",";
        } else if constexpr (std::is_same_v<T, IsExpr>) {
          out += "is" + std::to_string(n.entity_type.size()) + ":" + n.entity_type;
          sub(n.target);
          sub(n.in);
        } else if constexpr (std::is_same_v<T, MethodExpr> || std::is_same_v<T, CallExpr>) {
          out += "M" + std::to_string(n.name.size()) + ":" + n.name;
          if constexpr (std::is_same_v<T, MethodExpr>) sub(n.receiver);
          for (const auto& a : n.args) sub(a);
        } else if constexpr (std::is_same_v<T, SetExpr>) {
          out += "[";
          for (const auto& a : n.elements) sub(a);
        } else {
          out += "{";
          for (const auto& [k, v] : n.fields) {
            out += std::to_string(k.size()) + ":" + k;
            sub(v);
          }
        }
      },
      e.node);
}

std::string attr_cap(const Expr& target, const std::string& attr) {
  std::string out = "a";
  shape(target, out);
  return out + "\x01" + attr;
}

std::string tag_cap(const Expr& target, const Expr& tag) {
  std::string out = "t";
  shape(target, out);
  out += "\x01";
  shape(tag, out);
  return out;
}

struct ExtensionFn {
  std::vector<VType> args;
  VType ret;
  bool constructor = false;
};

VType ext(const char* name) { return vtypes::simple(Kind::Extension, name); }

std::optional<ExtensionFn> extension_fn(const std::string& name) {
  const VType boolean = vtypes::simple(Kind::Bool), string = vtypes::simple(Kind::String);
  if (name == "ip") return ExtensionFn{{string}, ext("ipaddr"), true};
  if (name == "decimal") return ExtensionFn{{string}, ext("decimal"), true};
  if (name == "datetime") return ExtensionFn{{string}, ext("datetime"), true};
  if (name == "duration") return ExtensionFn{{string}, ext("duration"), true};
  if (name == "lessThan" || name == "lessThanOrEqual" || name == "greaterThan" || name == "greaterThanOrEqual")
    return ExtensionFn{{ext("decimal"), ext("decimal")}, boolean};
  if (name == "isIpv4" || name == "isIpv6" || name == "isLoopback" || name == "isMulticast")
    return ExtensionFn{{ext("ipaddr")}, boolean};
  if (name == "isInRange") return ExtensionFn{{ext("ipaddr"), ext("ipaddr")}, boolean};
  if (name == "offset") return ExtensionFn{{ext("datetime"), ext("duration")}, ext("datetime")};
  if (name == "durationSince") return ExtensionFn{{ext("datetime"), ext("datetime")}, ext("duration")};
  if (name == "toDate") return ExtensionFn{{ext("datetime")}, ext("datetime")};
  if (name == "toTime") return ExtensionFn{{ext("datetime")}, ext("duration")};
  if (name == "toDays" || name == "toHours" || name == "toMinutes" || name == "toSeconds" || name == "toMilliseconds")
    return ExtensionFn{{ext("duration")}, vtypes::simple(Kind::Long)};
  return std::nullopt;
}

// A constructor's literal argument must parse, as the reference checks.
std::optional<std::string> constructor_argument_error(const std::string& fn, const std::string& text) {
  if (fn == "ip" && !parse_ip(text)) return "failed to parse as IP address: `" + text + "`";
  if (fn == "decimal" && !parse_decimal(text)) return "failed to parse as a decimal value: `" + text + "`";
  if (fn == "datetime" && !parse_datetime(text)) return "failed to parse as a datetime value: `" + text + "`";
  if (fn == "duration" && !parse_duration(text)) return "failed to parse as a duration value: `" + text + "`";
  return std::nullopt;
}

// `<` and friends take Long, or an extension type that overloads them.
bool comparable(const VType& t) {
  return t.kind == Kind::Long || (t.kind == Kind::Extension && (t.name == "datetime" || t.name == "duration"));
}

class Checker {
 public:
  Checker(const SchemaIndex& index, const RequestEnv& env, const Policy& policy, std::vector<ValidationIssue>& errors)
      : index_(index), env_(env), policy_(policy), errors_(errors) {}

  Answer policy() {
    const Answer principal = scope(policy_.principal, Var::Principal);
    const auto rest = [&](const Caps& prior) {
      return and_op(
          prior, [&](const Caps&) { return action_scope(); },
          [&](const Caps& p) {
            return and_op(
                p, [&](const Caps&) { return scope(policy_.resource, Var::Resource); },
                [&](const Caps& q) { return conditions(q); });
          });
    };
    return and_op(
        {}, [&](const Caps&) { return principal; }, rest);
  }

 private:
  void error(SourcePos pos, std::string message) { errors_.push_back({policy_.id, pos, std::move(message)}); }

  // ---- helpers shared by expressions and the scope ----

  // The operand must be a subtype of one of `expected` (width subtyping, so
  // any record passes as a record).
  Answer expect(Answer a, const std::vector<VType>& expected, SourcePos pos) {
    if (!a.type) return failure();
    for (const auto& t : expected) {
      if (vtypes::is_subtype(*a.type, t, false)) return a.ok ? a : failure(a.type);
    }
    std::string want;
    for (const auto& t : expected) want += (want.empty() ? "" : " or ") + vtypes::to_string(t);
    error(pos, "unexpected type: expected " + want + " but saw " + vtypes::to_string(*a.type));
    return failure();
  }
  Answer expect_expr(const Caps& prior, const Expr& e, const std::vector<VType>& expected) {
    return expect(check(prior, e), expected, e.pos);
  }
  static VType boolean() { return vtypes::simple(Kind::Bool); }
  static VType any_entity() { return vtypes::simple(Kind::AnyEntity); }

  Answer and_op(const Caps& prior, const std::function<Answer(const Caps&)>& left,
                const std::function<Answer(const Caps&)>& right) {
    const Answer l = left(prior);
    if (is_kind(l.type, Kind::False)) return {l.ok, l.type, {}};
    const Answer r = right(unite(prior, l.caps));
    const bool ok = l.ok && r.ok;
    if (!l.type || !r.type) return failure(boolean());
    if (r.type->kind == Kind::False) return {ok, r.type, {}};
    const Caps caps = ok ? unite(l.caps, r.caps) : Caps{};
    if (r.type->kind == Kind::True) return {ok, l.type, caps};
    if (l.type->kind == Kind::True) return {ok, r.type, caps};
    return {ok, boolean(), caps};
  }

  Answer uid_literal(const EntityUid& uid) {
    if (SchemaIndex::is_action_type(uid.type)) {
      if (index_.schema.actions.contains(uid)) return success(vtypes::simple(Kind::Action, uid.type));
    } else if (index_.schema.entity_types.contains(uid.type)) {
      return success(vtypes::simple(Kind::Entity, uid.type));
    }
    return failure();  // reported by the unknown-type and unknown-action passes
  }

  Answer equality(const Answer& l, const Answer& r, const std::optional<Value>& l_lit,
                  const std::optional<Value>& r_lit, SourcePos pos) {
    const bool ok = l.ok && r.ok;
    VType type = boolean();
    if (l.type && r.type && vtypes::are_disjoint(*l.type, *r.type)) {
      type = vtypes::boolean(false);
    } else if (l_lit && r_lit) {
      type = vtypes::boolean(*l_lit == *r_lit);
    }
    if (type.kind == Kind::Bool && l.type && r.type && !vtypes::least_upper_bound(*l.type, *r.type)) {
      error(pos,
            "the types " + vtypes::to_string(*l.type) + " and " + vtypes::to_string(*r.type) + " are not compatible");
      return failure(type);
    }
    return {ok, type, {}};
  }

  Answer in_op(const Answer& lhs, const Answer& rhs, const std::optional<EntityUid>& l_uid,
               const std::optional<std::vector<EntityUid>>& r_uids, SourcePos lpos, SourcePos rpos) {
    const Answer l = expect(lhs, {any_entity()}, lpos);
    const Answer r = expect(rhs, {vtypes::set_of(any_entity()), any_entity()}, rpos);
    if (!l.ok || !r.ok) return failure(boolean());
    if (l_uid && r_uids && SchemaIndex::is_action_type(l_uid->type)) {
      std::vector<EntityUid> actions;
      for (const auto& u : *r_uids) {
        if (SchemaIndex::is_action_type(u.type)) actions.push_back(u);
      }
      if (actions.empty()) return success(vtypes::boolean(false));
      const auto in = index_.actions_in(actions);
      if (!in) return failure(boolean());
      return success(vtypes::boolean(in->contains(*l_uid)));
    }
    const VType* rt = &*r.type;
    if (rt->kind == Kind::Set && rt->element) rt = rt->element.get();
    if (vtypes::is_entity_like(*l.type) && vtypes::is_entity_like(*rt) && !index_.may_be_in(l.type->name, rt->name)) {
      return success(vtypes::boolean(false));
    }
    return success(boolean());
  }

  Answer is_op(const Answer& target, const std::string& type, SourcePos pos) {
    const Answer t = expect(target, {any_entity()}, pos);
    if (!t.type) return failure(boolean());
    if (vtypes::is_entity_like(*t.type)) return {t.ok, vtypes::boolean(t.type->name == type), {}};
    return {t.ok, boolean(), {}};
  }

  // ---- the scope, as Cedar's policy condition sees it ----

  VType var_type(Var var) const {
    switch (var) {
      case Var::Principal:
        return vtypes::simple(Kind::Entity, env_.principal);
      case Var::Resource:
        return vtypes::simple(Kind::Entity, env_.resource);
      case Var::Action:
        return vtypes::simple(Kind::Action, env_.action.type);
      case Var::Context:
        return index_.contexts.at(env_.action);
    }
    return vtypes::simple(Kind::Never);
  }

  Answer scope(const EntityScope& s, Var var) {
    const SourcePos pos = policy_.pos;
    const Answer v = success(var_type(var));
    std::optional<Value> lit;
    Answer target;
    if (s.slot) {
      const auto& slot = var == Var::Principal ? env_.principal_slot : env_.resource_slot;
      target = success(slot ? vtypes::simple(Kind::Entity, *slot) : any_entity());
    } else if (s.kind != EntityScope::Kind::Any && s.kind != EntityScope::Kind::Is) {
      target = uid_literal(s.entity);
      lit = Value{s.entity};
    }
    switch (s.kind) {
      case EntityScope::Kind::Any:
        return success(vtypes::boolean(true));
      case EntityScope::Kind::Eq:
        return equality(v, target, std::nullopt, lit, pos);
      case EntityScope::Kind::In:
        return in_op(v, target, std::nullopt, std::nullopt, pos, pos);
      case EntityScope::Kind::Is:
        return is_op(v, s.entity_type, pos);
      case EntityScope::Kind::IsIn:
        return and_op(
            {}, [&](const Caps&) { return is_op(v, s.entity_type, pos); },
            [&](const Caps&) { return in_op(v, target, std::nullopt, std::nullopt, pos, pos); });
    }
    return failure();
  }

  Answer action_scope() {
    const ActionScope& s = policy_.action;
    const SourcePos pos = policy_.pos;
    const Answer v = success(var_type(Var::Action));
    if (s.kind == ActionScope::Kind::Any) return success(vtypes::boolean(true));
    if (s.kind == ActionScope::Kind::Eq) {
      return equality(v, uid_literal(s.entities.front()), Value{env_.action}, Value{s.entities.front()}, pos);
    }
    // `action in [A, ...]`: the list is a set literal.
    std::vector<Answer> elements;
    for (const auto& uid : s.entities) elements.push_back(uid_literal(uid));
    const Answer set = set_literal(elements, pos);
    return in_op(v, set, env_.action, s.entities, pos, pos);
  }

  Answer conditions(const Caps& prior) {
    // `when`/`unless` clauses joined by `&&` from the left; none is `true`.
    const auto& conds = policy_.conditions;
    if (conds.empty()) return success(vtypes::boolean(true));
    std::function<Answer(const Caps&, std::size_t)> upto = [&](const Caps& p, std::size_t n) -> Answer {
      const auto one = [&](const Caps& q, const Condition& c) {
        if (c.is_when) return expect_expr(q, *c.expr, {boolean()});
        return not_op(expect_expr(q, *c.expr, {boolean()}));
      };
      if (n == 1) return one(p, conds[0]);
      return and_op(
          p, [&](const Caps& q) { return upto(q, n - 1); }, [&](const Caps& q) { return one(q, conds[n - 1]); });
    };
    return upto(prior, conds.size());
  }

  static Answer not_op(const Answer& a) {
    if (!a.type) return failure(boolean());
    VType t = boolean();
    if (a.type->kind == Kind::True) t = vtypes::boolean(false);
    if (a.type->kind == Kind::False) t = vtypes::boolean(true);
    return {a.ok, t, {}};
  }

  Answer set_literal(const std::vector<Answer>& elements, SourcePos pos) {
    bool ok = true, typed = true;
    for (const auto& e : elements) {
      ok = ok && e.ok;
      typed = typed && e.type.has_value();
    }
    std::optional<VType> lub;
    if (typed) {
      lub = vtypes::simple(Kind::Never);
      for (const auto& e : elements) {
        lub = vtypes::least_upper_bound(*lub, *e.type);
        if (!lub) break;
      }
      if (!lub) {
        std::string types;
        for (const auto& e : elements) types += (types.empty() ? "" : ", ") + vtypes::to_string(*e.type);
        error(pos, "the types " + types + " are not compatible");
      }
    }
    if (elements.empty()) {
      error(pos, "empty set literals are forbidden in policies");
      return failure();
    }
    if (!lub) return failure();
    return {ok, vtypes::set_of(std::move(*lub)), {}};
  }

  // ---- expressions ----

  std::optional<EntityUid> uid_or_action(const Expr& e) const {
    if (const auto* lit = std::get_if<LiteralExpr>(&e.node)) {
      if (lit->value.is_entity()) return std::get<EntityUid>(lit->value.data);
    }
    if (const auto* v = std::get_if<VarExpr>(&e.node); v && v->var == Var::Action) return env_.action;
    return std::nullopt;
  }
  std::optional<Value> literal(const Expr& e) const {
    if (auto uid = uid_or_action(e)) return Value{*uid};
    if (const auto* lit = std::get_if<LiteralExpr>(&e.node)) return lit->value;
    return std::nullopt;
  }
  std::optional<std::vector<EntityUid>> uids_or_actions(const Expr& e) const {
    if (auto uid = uid_or_action(e)) return std::vector<EntityUid>{*uid};
    const auto* set = std::get_if<SetExpr>(&e.node);
    if (!set) return std::nullopt;
    std::vector<EntityUid> out;
    for (const auto& el : set->elements) {
      auto uid = uid_or_action(*el);
      if (!uid) return std::nullopt;
      out.push_back(*uid);
    }
    return out;
  }

  Answer check(const Caps& prior, const Expr& e) {
    return std::visit([&](const auto& n) { return node(prior, e, n); }, e.node);
  }

  Answer node(const Caps&, const Expr&, const LiteralExpr& n) {
    const Value& v = n.value;
    if (v.is_bool()) return success(vtypes::boolean(std::get<bool>(v.data)));
    if (v.is_long()) return success(vtypes::simple(Kind::Long));
    if (v.is_string()) return success(vtypes::simple(Kind::String));
    if (v.is_entity()) return uid_literal(std::get<EntityUid>(v.data));
    return failure();
  }

  Answer node(const Caps&, const Expr&, const VarExpr& n) { return success(var_type(n.var)); }

  Answer node(const Caps& prior, const Expr&, const UnaryExpr& n) {
    if (n.op == UnaryOp::Not) return not_op(expect_expr(prior, *n.operand, {boolean()}));
    const Answer a = expect_expr(prior, *n.operand, {vtypes::simple(Kind::Long)});
    return {a.ok, vtypes::simple(Kind::Long), {}};
  }

  Answer node(const Caps& prior, const Expr& e, const BinaryExpr& n) {
    switch (n.op) {
      case BinaryOp::Eq:
      case BinaryOp::Ne: {
        const Answer l = check(prior, *n.lhs);
        const Answer r = check(prior, *n.rhs);
        const Answer eq = equality(l, r, literal(*n.lhs), literal(*n.rhs), e.pos);
        return n.op == BinaryOp::Eq ? eq : not_op(eq);
      }
      case BinaryOp::Lt:
      case BinaryOp::Le:
      case BinaryOp::Gt:
      case BinaryOp::Ge:
        return comparison(check(prior, *n.lhs), check(prior, *n.rhs), n.lhs->pos, n.rhs->pos);
      case BinaryOp::Add:
      case BinaryOp::Sub:
      case BinaryOp::Mul: {
        const Answer l = expect_expr(prior, *n.lhs, {vtypes::simple(Kind::Long)});
        const Answer r = expect_expr(prior, *n.rhs, {vtypes::simple(Kind::Long)});
        return {l.ok && r.ok, vtypes::simple(Kind::Long), {}};
      }
      case BinaryOp::In:
        return in_op(check(prior, *n.lhs), check(prior, *n.rhs), uid_or_action(*n.lhs), uids_or_actions(*n.rhs),
                     n.lhs->pos, n.rhs->pos);
    }
    return failure();
  }

  Answer comparison(const Answer& l, const Answer& r, SourcePos lpos, SourcePos rpos) {
    const bool ok = l.ok && r.ok;
    const VType result = boolean();
    if (!l.type || !r.type) return failure(result);
    const VType &a = *l.type, &b = *r.type;
    auto bad = [&](SourcePos pos, const VType& saw, const std::string& want) {
      error(pos, "unexpected type: expected " + want + " but saw " + vtypes::to_string(saw));
      return failure(result);
    };
    const std::string any = "Long, datetime or duration";
    if (a.kind == Kind::Never && b.kind == Kind::Never) return failure(result);
    if (a.kind == Kind::Never) return comparable(b) ? Answer{ok, result, {}} : bad(rpos, b, any);
    if (b.kind == Kind::Never) return comparable(a) ? Answer{ok, result, {}} : bad(lpos, a, any);
    if (a == b && comparable(a)) return {ok, result, {}};
    if (a.kind == Kind::Long) return bad(rpos, b, "Long");
    if (b.kind == Kind::Long) return bad(lpos, a, "Long");
    if (comparable(a)) return bad(rpos, b, vtypes::to_string(a));
    if (comparable(b)) return bad(lpos, a, vtypes::to_string(b));
    bad(lpos, a, any);
    return bad(rpos, b, any);
  }

  Answer node(const Caps& prior, const Expr&, const AndExpr& n) {
    return and_op(
        prior, [&](const Caps& p) { return expect_expr(p, *n.lhs, {boolean()}); },
        [&](const Caps& p) { return expect_expr(p, *n.rhs, {boolean()}); });
  }

  Answer node(const Caps& prior, const Expr&, const OrExpr& n) {
    const Answer l = expect_expr(prior, *n.lhs, {boolean()});
    if (is_kind(l.type, Kind::True)) return l;
    const Answer r = expect_expr(prior, *n.rhs, {boolean()});
    const bool ok = l.ok && r.ok;
    if (!l.type || !r.type) return failure(boolean());
    auto keep = [&](VType t, Caps caps) { return Answer{ok, std::move(t), ok ? std::move(caps) : Caps{}}; };
    if (r.type->kind == Kind::True) return keep(*r.type, r.caps);
    if (r.type->kind == Kind::False) return keep(*l.type, l.caps);
    if (l.type->kind == Kind::False) return keep(*r.type, r.caps);
    return keep(boolean(), intersect(l.caps, r.caps));
  }

  Answer node(const Caps& prior, const Expr& e, const IfExpr& n) {
    const Answer c = expect_expr(prior, *n.cond, {boolean()});
    if (is_kind(c.type, Kind::True)) {
      const Answer t = check(unite(prior, c.caps), *n.then_branch);
      const bool ok = c.ok && t.ok;
      return {ok, t.type, ok ? unite(t.caps, c.caps) : Caps{}};
    }
    if (is_kind(c.type, Kind::False)) {
      const Answer f = check(prior, *n.else_branch);
      return {c.ok && f.ok, f.type, c.ok && f.ok ? f.caps : Caps{}};
    }
    const Answer t = check(unite(prior, c.caps), *n.then_branch);
    const Answer f = check(prior, *n.else_branch);
    if (!t.type || !f.type) return failure();
    auto lub = vtypes::least_upper_bound(*t.type, *f.type);
    if (!lub) {
      error(e.pos,
            "the types " + vtypes::to_string(*t.type) + " and " + vtypes::to_string(*f.type) + " are not compatible");
      return failure();
    }
    const bool ok = c.ok && t.ok && f.ok;
    return {ok, std::move(*lub), ok ? intersect(unite(t.caps, c.caps), f.caps) : Caps{}};
  }

  // The declared attribute, if the type has it.
  std::optional<VType::Attr> lookup(const VType& t, const std::string& attr) const {
    const VType* record = nullptr;
    if (t.kind == Kind::Record) record = &t;
    if (t.kind == Kind::Entity) {
      const auto it = index_.attrs.find(t.name);
      if (it != index_.attrs.end()) record = &it->second;
    }
    if (!record) return std::nullopt;
    const auto it = record->attrs.find(attr);
    if (it == record->attrs.end()) return std::nullopt;
    return it->second;
  }

  bool may_have(const VType& t, const std::string& attr) const {
    switch (t.kind) {
      case Kind::Never:
      case Kind::AnyEntity:
        return true;
      case Kind::Record:
        return t.open || t.attrs.contains(attr);
      case Kind::Entity: {
        const auto it = index_.attrs.find(t.name);
        return it == index_.attrs.end() || it->second.attrs.contains(attr);
      }
      default:
        return false;
    }
  }

  std::string owner(const VType& t) const {
    return t.kind == Kind::Entity || t.kind == Kind::Action ? "entity type " + t.name : "the record";
  }

  Answer node(const Caps& prior, const Expr& e, const GetAttrExpr& n) {
    const Answer target = expect_expr(prior, *n.target, {any_entity(), vtypes::any_record()});
    if (!target.type) return failure();
    const auto attr = lookup(*target.type, n.attr);
    if (!attr) {
      error(e.pos, "attribute `" + n.attr + "` on " + owner(*target.type) + " not found");
      return failure();
    }
    if (!attr->required && !prior.contains(attr_cap(*n.target, n.attr))) {
      error(e.pos,
            "unable to guarantee safety of access to optional attribute `" + n.attr + "` on " + owner(*target.type));
      return failure(*attr->type);
    }
    return {target.ok, *attr->type, {}};
  }

  Answer node(const Caps& prior, const Expr&, const HasAttrExpr& n) {
    const Answer target = expect_expr(prior, *n.target, {any_entity(), vtypes::any_record()});
    if (!target.type) return failure(boolean());
    const auto attr = lookup(*target.type, n.attr);
    if (!attr) {
      return {target.ok, may_have(*target.type, n.attr) ? boolean() : vtypes::boolean(false), {}};
    }
    const std::string cap = attr_cap(*n.target, n.attr);
    const bool known = prior.contains(cap) || (attr->required && target.type->kind == Kind::Record);
    return {target.ok, known ? vtypes::boolean(true) : boolean(), target.ok ? Caps{cap} : Caps{}};
  }

  Answer node(const Caps& prior, const Expr&, const LikeExpr& n) {
    const Answer a = expect_expr(prior, *n.target, {vtypes::simple(Kind::String)});
    return {a.ok, boolean(), {}};
  }

  Answer node(const Caps& prior, const Expr& e, const IsExpr& n) {
    if (!n.in) return is_op(check(prior, *n.target), n.entity_type, n.target->pos);
    // `e is T in x` means `e is T && e in x`.
    return and_op(
        prior, [&](const Caps& p) { return is_op(check(p, *n.target), n.entity_type, n.target->pos); },
        [&](const Caps& p) {
          return in_op(check(p, *n.target), check(p, *n.in), uid_or_action(*n.target), uids_or_actions(*n.in),
                       n.target->pos, e.pos);
        });
  }

  Answer node(const Caps& prior, const Expr& e, const SetExpr& n) {
    std::vector<Answer> elements;
    for (const auto& el : n.elements) elements.push_back(check(prior, *el));
    return set_literal(elements, e.pos);
  }

  Answer node(const Caps& prior, const Expr&, const RecordExpr& n) {
    VType rec = vtypes::simple(Kind::Record);
    bool ok = true, typed = true;
    for (const auto& [name, value] : n.fields) {
      const Answer a = check(prior, *value);
      ok = ok && a.ok;
      if (!a.type) {
        typed = false;
        continue;
      }
      rec.attrs[name] = {std::make_shared<const VType>(*a.type), true};
    }
    if (!typed) return failure();
    return {ok, std::move(rec), {}};
  }

  Answer node(const Caps& prior, const Expr& e, const CallExpr& n) {
    std::vector<const Expr*> args;
    for (const auto& a : n.args) args.push_back(a.get());
    return extension_call(prior, e, n.name, args);
  }

  Answer node(const Caps& prior, const Expr& e, const MethodExpr& n) {
    std::vector<const Expr*> args{n.receiver.get()};
    for (const auto& a : n.args) args.push_back(a.get());
    const std::string& m = n.name;
    const bool builtin =
        m == "contains" || m == "containsAll" || m == "containsAny" || m == "isEmpty" || m == "getTag" || m == "hasTag";
    if (!builtin) return extension_call(prior, e, m, args);
    const std::size_t want = m == "isEmpty" ? 1 : 2;
    if (args.size() != want) {
      error(e.pos, "`" + m + "` takes " + std::to_string(want - 1) + " argument(s)");
      for (const auto* a : args) check(prior, *a);
      return failure(boolean());
    }
    if (m == "isEmpty") {
      const Answer a = expect_expr(prior, *n.receiver, {vtypes::any_set()});
      return {a.ok, boolean(), {}};
    }
    if (m == "contains") {
      const Answer set = expect_expr(prior, *n.receiver, {vtypes::any_set()});
      const Answer el = check(prior, *n.args[0]);
      const VType* elem = set.type && set.type->element ? set.type->element.get() : nullptr;
      return strict_compatible(set.ok && el.ok, elem, el.type ? &*el.type : nullptr, e.pos);
    }
    if (m == "containsAll" || m == "containsAny") {
      const Answer a = expect_expr(prior, *n.receiver, {vtypes::any_set()});
      const Answer b = expect_expr(prior, *n.args[0], {vtypes::any_set()});
      return strict_compatible(a.ok && b.ok, a.type ? &*a.type : nullptr, b.type ? &*b.type : nullptr, e.pos);
    }
    return tag_access(prior, e, n);
  }

  Answer strict_compatible(bool ok, const VType* a, const VType* b, SourcePos pos) {
    if (a && b && !vtypes::least_upper_bound(*a, *b)) {
      error(pos, "the types " + vtypes::to_string(*a) + " and " + vtypes::to_string(*b) + " are not compatible");
      return failure(boolean());
    }
    return {ok, boolean(), {}};
  }

  std::vector<VType> tag_types(const VType& t) const {
    std::vector<VType> out;
    if (t.kind == Kind::AnyEntity) {
      for (const auto& [name, tag] : index_.tags) out.push_back(tag);
    } else if (const auto it = index_.tags.find(t.name); it != index_.tags.end()) {
      out.push_back(it->second);
    }
    return out;
  }

  Answer tag_access(const Caps& prior, const Expr& e, const MethodExpr& n) {
    const Answer target = expect_expr(prior, *n.receiver, {any_entity()});
    const Answer key = expect_expr(prior, *n.args[0], {vtypes::simple(Kind::String)});
    if (!target.type || !key.type) return failure(n.name == "hasTag" ? std::optional<VType>(boolean()) : std::nullopt);
    const bool ok = target.ok && key.ok;
    const std::string cap = tag_cap(*n.receiver, *n.args[0]);
    const auto types = tag_types(*target.type);
    if (n.name == "hasTag") {
      const VType t = types.empty() ? vtypes::boolean(false) : prior.contains(cap) ? vtypes::boolean(true) : boolean();
      return {ok, t, ok ? Caps{cap} : Caps{}};
    }
    if (!prior.contains(cap)) {
      error(e.pos, "unable to guarantee safety of access to tag `" + to_string_expr(*n.args[0]) + "` on " +
                       owner(*target.type));
      return failure();
    }
    if (types.empty()) {
      error(e.pos, owner(*target.type) + " does not allow tags");
      return failure();
    }
    std::optional<VType> lub = vtypes::simple(Kind::Never);
    for (const auto& t : types) {
      if (lub) lub = vtypes::least_upper_bound(*lub, t);
    }
    if (!lub) {
      error(e.pos, "the tag types of " + owner(*target.type) + " are not compatible");
      return failure();
    }
    return {ok, *lub, {}};
  }

  static std::string to_string_expr(const Expr& e) {
    if (const auto* lit = std::get_if<LiteralExpr>(&e.node)) return to_string(lit->value);
    return "<expression>";
  }

  Answer extension_call(const Caps& prior, const Expr& e, const std::string& name,
                        const std::vector<const Expr*>& args) {
    const auto fn = extension_fn(name);
    if (!fn) {
      error(e.pos, "undefined extension function: " + name);
      for (const auto* a : args) check(prior, *a);
      return failure();
    }
    bool failed = false;
    if (args.size() != fn->args.size()) {
      error(e.pos, "wrong number of arguments in extension function application. Expected " +
                       std::to_string(fn->args.size()) + ", got " + std::to_string(args.size()));
      failed = true;
    }
    if (fn->constructor && !args.empty()) {
      const auto* lit = std::get_if<LiteralExpr>(&args[0]->node);
      if (lit && lit->value.is_string()) {
        if (auto why = constructor_argument_error(name, std::get<std::string>(lit->value.data))) {
          error(e.pos, "error during extension function argument validation: " + *why);
          failed = true;
        }
      }
    }
    if (fn->constructor) {
      for (const auto* a : args) {
        if (!std::holds_alternative<LiteralExpr>(a->node)) {
          error(e.pos, "extension constructors may not be called with non-literal expressions");
          failed = true;
          break;
        }
      }
    }
    if (failed) {
      for (const auto* a : args) check(prior, *a);
      return failure(fn->ret);
    }
    bool ok = true;
    for (std::size_t i = 0; i < args.size(); ++i) ok = expect_expr(prior, *args[i], {fn->args[i]}).ok && ok;
    return {ok, fn->ret, {}};
  }

  const SchemaIndex& index_;
  const RequestEnv& env_;
  const Policy& policy_;
  std::vector<ValidationIssue>& errors_;
};

}  // namespace

SchemaIndex::SchemaIndex(const Schema& s) : schema(s) {
  for (const auto& [name, def] : s.entity_types) {
    attrs[name] = vtypes::from_schema(def.attrs);
    if (def.tags) tags[name] = vtypes::from_schema(*def.tags);
  }
  // descendants[P] holds every type that can reach P through memberOf.
  for (const auto& [name, def] : s.entity_types) {
    std::vector<std::string> todo(def.member_of.begin(), def.member_of.end());
    std::set<std::string> seen;
    while (!todo.empty()) {
      const std::string p = todo.back();
      todo.pop_back();
      if (!seen.insert(p).second) continue;
      descendants[p].insert(name);
      if (const auto it = s.entity_types.find(p); it != s.entity_types.end()) {
        todo.insert(todo.end(), it->second.member_of.begin(), it->second.member_of.end());
      }
    }
  }
  for (const auto& [uid, def] : s.actions) {
    contexts[uid] = vtypes::from_schema(def.context);
    std::vector<EntityUid> todo(def.member_of.begin(), def.member_of.end());
    std::set<EntityUid> seen;
    while (!todo.empty()) {
      const EntityUid p = todo.back();
      todo.pop_back();
      if (!seen.insert(p).second) continue;
      action_descendants[p].insert(uid);
      if (const auto it = s.actions.find(p); it != s.actions.end()) {
        todo.insert(todo.end(), it->second.member_of.begin(), it->second.member_of.end());
      }
    }
  }
}

bool SchemaIndex::is_action_type(const std::string& type) { return type == "Action" || type.ends_with("::Action"); }

bool SchemaIndex::may_be_in(const std::string& lhs, const std::string& rhs) const {
  if (lhs == rhs) return true;
  if (const auto it = descendants.find(rhs); it != descendants.end() && it->second.contains(lhs)) return true;
  for (const auto& [action, below] : action_descendants) {
    if (action.type != rhs) continue;
    for (const auto& d : below) {
      if (d.type == lhs) return true;
    }
  }
  return false;
}

std::optional<std::set<EntityUid>> SchemaIndex::actions_in(const std::vector<EntityUid>& rhs) const {
  std::set<EntityUid> out;
  for (const auto& uid : rhs) {
    if (!schema.actions.contains(uid)) return std::nullopt;
    out.insert(uid);
    if (const auto it = action_descendants.find(uid); it != action_descendants.end()) {
      out.insert(it->second.begin(), it->second.end());
    }
  }
  return out;
}

Outcome typecheck_policy(const SchemaIndex& index, const RequestEnv& env, const Policy& policy,
                         std::vector<ValidationIssue>& errors) {
  Checker checker(index, env, policy, errors);
  const Answer a = checker.policy();
  if (is_kind(a.type, Kind::False)) return Outcome::TypedFalse;
  return a.ok && a.type ? Outcome::Typed : Outcome::Failed;
}

}  // namespace mandate::policy::typecheck
