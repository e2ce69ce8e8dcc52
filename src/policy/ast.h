#pragma once
// The policy syntax tree. Nodes own their children through unique_ptr; the
// tree is immutable once parsed and evaluated by walking it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "policy/value.h"

namespace mandate::policy {

struct SourcePos {
  int line = 1;
  int column = 1;
};

enum class Var { Principal, Action, Resource, Context };
enum class UnaryOp { Not, Neg };
enum class BinaryOp { Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, In };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct LiteralExpr {
  Value value;
};
struct VarExpr {
  Var var;
};
struct UnaryExpr {
  UnaryOp op;
  ExprPtr operand;
};
struct BinaryExpr {
  BinaryOp op;
  ExprPtr lhs;
  ExprPtr rhs;
};
struct AndExpr {
  ExprPtr lhs;
  ExprPtr rhs;
};
struct OrExpr {
  ExprPtr lhs;
  ExprPtr rhs;
};
struct IfExpr {
  ExprPtr cond;
  ExprPtr then_branch;
  ExprPtr else_branch;
};
struct GetAttrExpr {
  ExprPtr target;
  std::string attr;
};
struct HasAttrExpr {
  ExprPtr target;
  std::string attr;
};

// One element of a `like` pattern: a literal code point or the `*` wildcard.
struct PatternElem {
  bool wildcard = false;
  char32_t ch = 0;
};
struct LikeExpr {
  ExprPtr target;
  std::vector<PatternElem> pattern;
};
struct IsExpr {
  ExprPtr target;
  std::string entity_type;
  ExprPtr in; /* optional */
};
// `recv.name(args)`: the builtin and extension methods.
struct MethodExpr {
  ExprPtr receiver;
  std::string name;
  std::vector<ExprPtr> args;
};
// `name(args)`: extension constructors such as `ip("...")`.
struct CallExpr {
  std::string name;
  std::vector<ExprPtr> args;
};
struct SetExpr {
  std::vector<ExprPtr> elements;
};
struct RecordExpr {
  std::vector<std::pair<std::string, ExprPtr>> fields;
};

struct Expr {
  std::variant<LiteralExpr, VarExpr, UnaryExpr, BinaryExpr, AndExpr, OrExpr, IfExpr, GetAttrExpr, HasAttrExpr,
               LikeExpr, IsExpr, MethodExpr, CallExpr, SetExpr, RecordExpr>
      node;
  SourcePos pos;
};

enum class Effect { Permit, Forbid };

// Scope constraint on `principal` or `resource`.
struct EntityScope {
  enum class Kind { Any, Eq, In, Is, IsIn };
  Kind kind = Kind::Any;
  EntityUid entity;         // for Eq, In, IsIn
  std::string entity_type;  // for Is, IsIn
  bool slot = false;        // a template's `?principal`/`?resource` stands for `entity`
};

// Scope constraint on `action`: `==`, `in E` or `in [E, ...]`.
struct ActionScope {
  enum class Kind { Any, Eq, In };
  Kind kind = Kind::Any;
  std::vector<EntityUid> entities;
};

struct Condition {
  bool is_when = true;  // false: `unless`
  ExprPtr expr;
};

struct Policy {
  std::string id;  // policy0, policy1, ... in file order
  Effect effect = Effect::Permit;
  std::vector<std::pair<std::string, std::string>> annotations;
  EntityScope principal;
  ActionScope action;
  EntityScope resource;
  std::vector<Condition> conditions;
  SourcePos pos;
  bool is_template() const { return principal.slot || resource.slot; }
};

struct PolicySet {
  std::vector<Policy> policies;   // static and template-linked: what the authorizer evaluates
  std::vector<Policy> templates;  // policies with slots; ids share the policy0.. sequence
};

}  // namespace mandate::policy
