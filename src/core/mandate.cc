#include "core/mandate.h"

#include <algorithm>

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<KeyBindingKind, 2> kKeyBindingKindNames{{
    {KeyBindingKind::jkt, "jkt"},
    {KeyBindingKind::x5t_s256, "x5t#S256"},
}};

constexpr detail::NameTable<IssuanceFault, 8> kIssuanceFaultNames{{
    {IssuanceFault::task_not_approved, "task_not_approved"},
    {IssuanceFault::other_task, "other_task"},
    {IssuanceFault::other_executor, "other_executor"},
    {IssuanceFault::wrong_chain, "wrong_chain"},
    {IssuanceFault::not_root, "not_root"},
    {IssuanceFault::scope_broader, "scope_broader"},
    {IssuanceFault::too_long, "too_long"},
    {IssuanceFault::audience_broader, "audience_broader"},
}};

constexpr detail::NameTable<AttenuationFault, 10> kAttenuationFaultNames{{
    {AttenuationFault::not_child, "not_child"},
    {AttenuationFault::other_task, "other_task"},
    {AttenuationFault::chain_broken, "chain_broken"},
    {AttenuationFault::scope_broader, "scope_broader"},
    {AttenuationFault::starts_earlier, "starts_earlier"},
    {AttenuationFault::outlives_parent, "outlives_parent"},
    {AttenuationFault::more_uses, "more_uses"},
    {AttenuationFault::wrong_depth, "wrong_depth"},
    {AttenuationFault::too_deep, "too_deep"},
    {AttenuationFault::audience_broader, "audience_broader"},
}};

// A SHA-256 digest is 32 bytes; unpadded base64url of 32 bytes is 43
// characters, the last of which carries only 4 data bits.
constexpr std::size_t kThumbprintLength = 43;

// Any other final character would set padding bits, giving one digest a
// second spelling; a binding compared as text must have only one.
constexpr std::string_view kThumbprintFinalChars = "AEIMQUYcgkosw048";

bool includes_all(const std::vector<std::string>& outer, const std::vector<std::string>& inner) {
  return std::ranges::all_of(inner, [&](const std::string& a) { return std::ranges::find(outer, a) != outer.end(); });
}

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

}  // namespace

std::string_view to_string(KeyBindingKind kind) {
  return detail::name_of(kKeyBindingKindNames, kind);
}
std::optional<KeyBindingKind> parse_key_binding_kind(std::string_view text) {
  return detail::value_of(kKeyBindingKindNames, text);
}
std::string_view to_string(IssuanceFault fault) { return detail::name_of(kIssuanceFaultNames, fault); }
std::optional<IssuanceFault> parse_issuance_fault(std::string_view text) {
  return detail::value_of(kIssuanceFaultNames, text);
}
std::string_view to_string(AttenuationFault fault) {
  return detail::name_of(kAttenuationFaultNames, fault);
}
std::optional<AttenuationFault> parse_attenuation_fault(std::string_view text) {
  return detail::value_of(kAttenuationFaultNames, text);
}

std::expected<void, std::string> validate_mandate(const Mandate& m) {
  if (auto ok = check_id(m.id); !ok) return detail::about("mandate id", ok);
  if (auto ok = check_id(m.task_id); !ok) return detail::about("task id", ok);
  if (auto ok = check_id(m.executor); !ok) return detail::about("executor", ok);
  if (m.on_behalf_of.empty()) return detail::refuse("on_behalf_of is empty: it must name the initiator");
  for (const std::string& id : m.on_behalf_of) {
    if (auto ok = check_id(id); !ok) return detail::about("on_behalf_of entry", ok);
  }
  if (m.scope.empty()) return detail::refuse("scope is empty: a mandate must allow something");
  if (auto ok = validate_scope(m.scope); !ok) return detail::about("scope", ok);
  if (m.audience.empty()) return detail::refuse("audience is empty: a mandate names the resource servers it is for");
  if (auto ok = check_distinct_ids(m.audience); !ok) return detail::about("audience", ok);
  if (m.not_before >= m.expires_at) return detail::refuse("not_before must be before expires_at");
  if (m.max_uses < 1) return detail::refuse("max_uses must be at least 1");
  if (!detail::is_named(kKeyBindingKindNames, m.key_binding.kind)) {
    return detail::refuse("key binding kind is neither jkt nor x5t#S256");
  }
  if (m.key_binding.thumbprint.size() != kThumbprintLength ||
      !std::ranges::all_of(m.key_binding.thumbprint, is_base64url_char) ||
      kThumbprintFinalChars.find(m.key_binding.thumbprint.back()) == std::string_view::npos) {
    return detail::refuse("key binding thumbprint is not a base64url SHA-256 digest (43 characters)");
  }
  if (m.parent_id) {
    if (auto ok = check_id(*m.parent_id); !ok) return detail::about("parent id", ok);
    if (*m.parent_id == m.id) return detail::refuse("a mandate cannot be its own parent");
    if (m.depth == 0) return detail::refuse("a mandate with a parent has depth of at least 1");
  } else if (m.depth != 0) {
    return detail::refuse("a mandate without a parent has depth 0");
  }
  if (m.on_behalf_of.size() != static_cast<std::size_t>(m.depth) + 1) {
    return detail::refuse("on_behalf_of must have one entry per delegation level (depth + 1)");
  }
  return {};
}

bool is_within_validity(const Mandate& mandate, Timestamp at) {
  return mandate.not_before <= at && at < mandate.expires_at;
}

std::optional<IssuanceFault> check_issuance(const Mandate& mandate, const Task& task,
                                            std::optional<std::chrono::seconds> rule_max_duration) {
  const bool approved = task.state == TaskState::approved ||
                        (task.break_glass && task.state == TaskState::requested);
  if (!approved) return IssuanceFault::task_not_approved;
  if (mandate.task_id != task.id) return IssuanceFault::other_task;
  if (mandate.executor != task.executor) return IssuanceFault::other_executor;
  if (mandate.on_behalf_of.size() != 1 || mandate.on_behalf_of.front() != task.initiator) {
    return IssuanceFault::wrong_chain;
  }
  if (mandate.parent_id || mandate.depth != 0) return IssuanceFault::not_root;
  if (!is_subset(mandate.scope, task.requested_scope)) return IssuanceFault::scope_broader;
  const auto lifetime = mandate.expires_at - mandate.not_before;
  if (lifetime > task.requested_duration) return IssuanceFault::too_long;
  if (rule_max_duration && lifetime > *rule_max_duration) return IssuanceFault::too_long;
  if (!includes_all(task.audience, mandate.audience)) return IssuanceFault::audience_broader;
  return std::nullopt;
}

std::optional<AttenuationFault> check_attenuation(const Mandate& child, const Mandate& parent,
                                                  std::uint32_t max_depth) {
  if (!child.parent_id || *child.parent_id != parent.id) return AttenuationFault::not_child;
  if (child.task_id != parent.task_id) return AttenuationFault::other_task;
  // The chain keeps every hop, so the ledger and the token both name everyone
  // the action is ultimately on behalf of.
  if (child.on_behalf_of.size() != parent.on_behalf_of.size() + 1 ||
      !std::equal(parent.on_behalf_of.begin(), parent.on_behalf_of.end(),
                  child.on_behalf_of.begin()) ||
      child.on_behalf_of.back() != parent.executor) {
    return AttenuationFault::chain_broken;
  }
  if (!is_subset(child.scope, parent.scope)) return AttenuationFault::scope_broader;
  if (child.not_before < parent.not_before) return AttenuationFault::starts_earlier;
  if (child.expires_at > parent.expires_at) return AttenuationFault::outlives_parent;
  if (child.max_uses > parent.max_uses) return AttenuationFault::more_uses;
  if (static_cast<std::uint64_t>(child.depth) != static_cast<std::uint64_t>(parent.depth) + 1) {
    return AttenuationFault::wrong_depth;
  }
  if (child.depth > max_depth) return AttenuationFault::too_deep;
  if (!includes_all(parent.audience, child.audience)) return AttenuationFault::audience_broader;
  return std::nullopt;
}

bool is_attenuation_of(const Mandate& child, const Mandate& parent, std::uint32_t max_depth) {
  return !check_attenuation(child, parent, max_depth).has_value();
}

}  // namespace mandate::core
