#include "policy/internal/template.h"

#include <set>
#include <type_traits>

namespace mandate::policy {
namespace {

ExprPtr clone_ptr(const ExprPtr& e) { return e ? clone(*e) : nullptr; }

std::vector<ExprPtr> clone_all(const std::vector<ExprPtr>& list) {
  std::vector<ExprPtr> out;
  out.reserve(list.size());
  for (const auto& e : list) out.push_back(clone_ptr(e));
  return out;
}

std::expected<void, std::string> fill(EntityScope& scope, const std::optional<EntityUid>& value, const char* slot,
                                      const std::string& template_id) {
  if (scope.slot && !value)
    return std::unexpected(std::string("template ") + template_id + " needs a value for ?" + slot);
  if (!scope.slot && value)
    return std::unexpected(std::string("template ") + template_id + " has no ?" + slot + " slot");
  if (scope.slot) {
    scope.entity = *value;
    scope.slot = false;
  }
  return {};
}

}  // namespace

ExprPtr clone(const Expr& expr) {
  auto out = std::make_unique<Expr>();
  out->pos = expr.pos;
  out->node = std::visit(
      [](const auto& n) -> decltype(Expr::node) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, LiteralExpr> || std::is_same_v<T, VarExpr>) {
          return n;
        } else if constexpr (std::is_same_v<T, UnaryExpr>) {
          return UnaryExpr{n.op, clone_ptr(n.operand)};
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          return BinaryExpr{n.op, clone_ptr(n.lhs), clone_ptr(n.rhs)};
        } else if constexpr (std::is_same_v<T, AndExpr>) {
          return AndExpr{clone_ptr(n.lhs), clone_ptr(n.rhs)};
        } else if constexpr (std::is_same_v<T, OrExpr>) {
          return OrExpr{clone_ptr(n.lhs), clone_ptr(n.rhs)};
        } else if constexpr (std::is_same_v<T, IfExpr>) {
          return IfExpr{clone_ptr(n.cond), clone_ptr(n.then_branch), clone_ptr(n.else_branch)};
        } else if constexpr (std::is_same_v<T, GetAttrExpr>) {
          return GetAttrExpr{clone_ptr(n.target), n.attr};
        } else if constexpr (std::is_same_v<T, HasAttrExpr>) {
          return HasAttrExpr{clone_ptr(n.target), n.attr};
        } else if constexpr (std::is_same_v<T, LikeExpr>) {
          return LikeExpr{clone_ptr(n.target), n.pattern};
        } else if constexpr (std::is_same_v<T, IsExpr>) {
          return IsExpr{clone_ptr(n.target), n.entity_type, clone_ptr(n.in)};
        } else if constexpr (std::is_same_v<T, MethodExpr>) {
          return MethodExpr{clone_ptr(n.receiver), n.name, clone_all(n.args)};
        } else if constexpr (std::is_same_v<T, CallExpr>) {
          return CallExpr{n.name, clone_all(n.args)};
        } else if constexpr (std::is_same_v<T, SetExpr>) {
          return SetExpr{clone_all(n.elements)};
        } else {
          static_assert(std::is_same_v<T, RecordExpr>);
          RecordExpr r;
          for (const auto& [k, v] : n.fields) r.fields.emplace_back(k, clone_ptr(v));
          return r;
        }
      },
      expr.node);
  return out;
}

std::expected<Policy, std::string> link_template(const Policy& tmpl, const TemplateLink& link) {
  Policy p;
  p.id = link.link_id;
  p.effect = tmpl.effect;
  p.annotations = tmpl.annotations;
  p.principal = tmpl.principal;
  p.action = tmpl.action;
  p.resource = tmpl.resource;
  p.pos = tmpl.pos;
  if (auto ok = fill(p.principal, link.principal, "principal", tmpl.id); !ok) return std::unexpected(ok.error());
  if (auto ok = fill(p.resource, link.resource, "resource", tmpl.id); !ok) return std::unexpected(ok.error());
  for (const auto& c : tmpl.conditions) p.conditions.push_back({c.is_when, clone_ptr(c.expr)});
  return p;
}

std::expected<void, std::string> link_templates(PolicySet& set, const std::vector<TemplateLink>& links) {
  std::set<std::string> ids;
  for (const auto& p : set.policies) ids.insert(p.id);
  for (const auto& t : set.templates) ids.insert(t.id);
  std::vector<Policy> linked;
  for (const auto& link : links) {
    const Policy* tmpl = nullptr;
    for (const auto& t : set.templates) {
      if (t.id == link.template_id) tmpl = &t;
    }
    if (!tmpl) return std::unexpected("no template with id " + link.template_id);
    if (!ids.insert(link.link_id).second) return std::unexpected("policy id " + link.link_id + " is already in use");
    auto p = link_template(*tmpl, link);
    if (!p) return std::unexpected(p.error());
    linked.push_back(std::move(*p));
  }
  for (auto& p : linked) set.policies.push_back(std::move(p));
  return {};
}

}  // namespace mandate::policy
