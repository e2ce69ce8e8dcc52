#include "policy/validator.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <type_traits>

#include "policy/internal/validator_typecheck.h"

namespace mandate::policy {
namespace {

using typecheck::SchemaIndex;

// Every entity literal and `is` type in a policy, with where it appears.
struct PolicyNames {
  std::vector<std::pair<EntityUid, SourcePos>> uids;
  std::vector<std::pair<std::string, SourcePos>> types;
};

void collect(const Expr& e, PolicyNames& out) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        auto sub = [&](const ExprPtr& p) {
          if (p) collect(*p, out);
        };
        if constexpr (std::is_same_v<T, LiteralExpr>) {
          if (n.value.is_entity()) {
            out.uids.emplace_back(std::get<EntityUid>(n.value.data), e.pos);
            out.types.emplace_back(std::get<EntityUid>(n.value.data).type, e.pos);
          }
        } else if constexpr (std::is_same_v<T, UnaryExpr>) {
          sub(n.operand);
        } else if constexpr (std::is_same_v<T, BinaryExpr> || std::is_same_v<T, AndExpr> || std::is_same_v<T, OrExpr>) {
          sub(n.lhs);
          sub(n.rhs);
        } else if constexpr (std::is_same_v<T, IfExpr>) {
          sub(n.cond);
          sub(n.then_branch);
          sub(n.else_branch);
        } else if constexpr (std::is_same_v<T, GetAttrExpr> || std::is_same_v<T, HasAttrExpr> ||
                             std::is_same_v<T, LikeExpr>) {
          sub(n.target);
        } else if constexpr (std::is_same_v<T, IsExpr>) {
          out.types.emplace_back(n.entity_type, e.pos);
          sub(n.target);
          sub(n.in);
        } else if constexpr (std::is_same_v<T, MethodExpr>) {
          sub(n.receiver);
          for (const auto& a : n.args) sub(a);
        } else if constexpr (std::is_same_v<T, CallExpr>) {
          for (const auto& a : n.args) sub(a);
        } else if constexpr (std::is_same_v<T, SetExpr>) {
          for (const auto& a : n.elements) sub(a);
        } else if constexpr (std::is_same_v<T, RecordExpr>) {
          for (const auto& [k, v] : n.fields) sub(v);
        }
      },
      e.node);
}

PolicyNames names_of(const Policy& p) {
  PolicyNames out;
  for (const EntityScope* s : {&p.principal, &p.resource}) {
    if (s->kind == EntityScope::Kind::Is || s->kind == EntityScope::Kind::IsIn)
      out.types.emplace_back(s->entity_type, p.pos);
    if (s->kind != EntityScope::Kind::Any && s->kind != EntityScope::Kind::Is && !s->slot) {
      out.uids.emplace_back(s->entity, p.pos);
      out.types.emplace_back(s->entity.type, p.pos);
    }
  }
  for (const auto& uid : p.action.entities) {
    out.uids.emplace_back(uid, p.pos);
    out.types.emplace_back(uid.type, p.pos);
  }
  for (const auto& c : p.conditions) collect(*c.expr, out);
  return out;
}

std::string uid_text(const EntityUid& uid) { return uid.type + "::\"" + uid.id + "\""; }

class PolicyValidator {
 public:
  PolicyValidator(const SchemaIndex& index, ValidationResult& result) : index_(index), result_(result) {}

  void validate(const Policy& p) {
    const std::size_t before = result_.errors.size();
    known_names(p);
    action_application(p);
    typecheck_all(p);
    dedupe(before);
  }

 private:
  const Schema& schema() const { return index_.schema; }
  void error(const Policy& p, SourcePos pos, std::string message) {
    result_.errors.push_back({p.id, pos, std::move(message)});
  }

  void known_names(const Policy& p) {
    const PolicyNames names = names_of(p);
    for (const auto& [type, pos] : names.types) {
      if (!SchemaIndex::is_action_type(type) && !schema().entity_types.contains(type))
        error(p, pos, "unrecognized entity type `" + type + "`");
    }
    for (const auto& [uid, pos] : names.uids) {
      if (SchemaIndex::is_action_type(uid.type)) {
        if (!schema().actions.contains(uid)) error(p, pos, "unrecognized action `" + uid_text(uid) + "`");
        continue;
      }
      const auto it = schema().entity_types.find(uid.type);
      if (it == schema().entity_types.end() || !it->second.enum_ids) continue;
      const auto& ids = *it->second.enum_ids;
      if (std::find(ids.begin(), ids.end(), uid.id) == ids.end())
        error(
            p, pos,
            "entity `" + uid_text(uid) + "` is not one of the declared ids of the enumerated type `" + uid.type + "`");
    }
  }

  std::set<std::string> all_entity_types() const {
    std::set<std::string> out;
    for (const auto& [name, def] : schema().entity_types) out.insert(name);
    return out;
  }

  // Entity types `in` an entity of type `type` (itself included).
  std::set<std::string> types_in(const std::string& type) const {
    std::set<std::string> out{type};
    if (const auto it = index_.descendants.find(type); it != index_.descendants.end())
      out.insert(it->second.begin(), it->second.end());
    return out;
  }

  std::set<std::string> types_satisfying(const EntityScope& s) const {
    switch (s.kind) {
      case EntityScope::Kind::Any:
        return all_entity_types();
      case EntityScope::Kind::Eq:
        return s.slot ? all_entity_types() : std::set<std::string>{s.entity.type};
      case EntityScope::Kind::In:
        return s.slot ? all_entity_types() : types_in(s.entity.type);
      case EntityScope::Kind::Is:
        return schema().entity_types.contains(s.entity_type) ? std::set<std::string>{s.entity_type}
                                                             : std::set<std::string>{};
      case EntityScope::Kind::IsIn:
        if (s.slot) {
          return schema().entity_types.contains(s.entity_type) ? std::set<std::string>{s.entity_type}
                                                               : std::set<std::string>{};
        }
        return types_in(s.entity.type).contains(s.entity_type) ? std::set<std::string>{s.entity_type}
                                                               : std::set<std::string>{};
    }
    return {};
  }

  std::vector<EntityUid> actions_satisfying(const ActionScope& s) const {
    std::vector<EntityUid> out;
    if (s.kind == ActionScope::Kind::Any) {
      for (const auto& [uid, def] : schema().actions) out.push_back(uid);
    } else if (s.kind == ActionScope::Kind::Eq) {
      out = s.entities;
    } else if (auto in = index_.actions_in(s.entities)) {
      out.assign(in->begin(), in->end());
    }
    return out;
  }

  static bool intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
    for (const auto& x : a) {
      if (b.contains(x)) return true;
    }
    return false;
  }

  // Some action in the scope should apply to some principal and resource
  // type the scope allows. Since Cedar 4.13 (cedar-wasm 4.13, which mandate
  // is tested against) a scope no action applies to is a warning, not an
  // error: such a policy never applies, which is harmless. The other checks
  // still run on it; the typecheck finds no request environment for it, so
  // it adds no type errors and reports the policy as impossible.
  void action_application(const Policy& p) {
    const auto principals = types_satisfying(p.principal);
    const auto resources = types_satisfying(p.resource);
    for (const auto& uid : actions_satisfying(p.action)) {
      const auto it = schema().actions.find(uid);
      if (it == schema().actions.end()) continue;
      if (intersects(principals, it->second.principals) && intersects(resources, it->second.resources)) return;
    }
    result_.warnings.push_back({p.id, p.pos, "unable to find an applicable action given the policy scope constraints"});
  }

  // Entity types a slot may be linked to in an environment.
  std::vector<std::optional<std::string>> slot_links(const EntityScope& s, const std::string& var_type) const {
    if (!s.slot) return {std::nullopt};
    if (s.kind == EntityScope::Kind::Eq) return {var_type};
    std::vector<std::optional<std::string>> out;
    for (const auto& [name, below] : index_.descendants) {
      if (below.contains(var_type)) out.emplace_back(name);
    }
    out.emplace_back(var_type);
    return out;
  }

  void typecheck_all(const Policy& p) {
    bool all_false = true;
    for (const auto& [uid, def] : schema().actions) {
      for (const auto& principal : def.principals) {
        for (const auto& resource : def.resources) {
          for (const auto& ps : slot_links(p.principal, principal)) {
            for (const auto& rs : slot_links(p.resource, resource)) {
              const typecheck::RequestEnv env{principal, uid, resource, ps, rs};
              if (typecheck::typecheck_policy(index_, env, p, result_.errors) != typecheck::Outcome::TypedFalse)
                all_false = false;
            }
          }
        }
      }
    }
    if (all_false) {
      result_.warnings.push_back(
          {p.id, p.pos, "policy is impossible: the policy expression evaluates to false for all valid requests"});
    }
  }

  // The same error found in several request environments is reported once.
  void dedupe(std::size_t from) {
    std::set<std::tuple<int, int, std::string>> seen;
    std::vector<ValidationIssue> kept(result_.errors.begin(), result_.errors.begin() + static_cast<long>(from));
    for (std::size_t i = from; i < result_.errors.size(); ++i) {
      const auto& e = result_.errors[i];
      if (seen.insert({e.pos.line, e.pos.column, e.message}).second) kept.push_back(e);
    }
    result_.errors = std::move(kept);
  }

  const SchemaIndex& index_;
  ValidationResult& result_;
};

}  // namespace

std::string ValidationIssue::to_string() const {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": for policy `" + policy_id + "`, " + message;
}

ValidationResult validate(const PolicySet& policies, const Schema& schema) {
  const SchemaIndex index(schema);
  ValidationResult result;
  PolicyValidator validator(index, result);
  for (const auto& t : policies.templates) validator.validate(t);
  for (const auto& p : policies.policies) validator.validate(p);
  return result;
}

}  // namespace mandate::policy
