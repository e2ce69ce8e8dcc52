#pragma once
// Private to the policy module: the build defines MANDATE_INSIDE_POLICY only for src/policy/ and tests/policy/.
#ifndef MANDATE_INSIDE_POLICY
#error "this header is internal to the policy module; include a public policy/ header instead"
#endif
// Template-linked policies: a template's `?principal`/`?resource` slots are
// filled with entities, giving an ordinary policy, so that the authorizer
// never sees a slot.
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "policy/ast.h"

namespace mandate::policy {

struct TemplateLink {
  std::string template_id;
  std::string link_id;  // the linked policy's id; unique in the set
  std::optional<EntityUid> principal;
  std::optional<EntityUid> resource;
};

// A deep copy (the tree owns its nodes, so linking copies the conditions).
ExprPtr clone(const Expr& expr);

// The concrete policy: every slot the template has is given, and no other.
std::expected<Policy, std::string> link_template(const Policy& tmpl, const TemplateLink& link);

// Links every entry into `set.policies`; all or nothing.
std::expected<void, std::string> link_templates(PolicySet& set, const std::vector<TemplateLink>& links);

}  // namespace mandate::policy
