#pragma once
// A mandate is the delegation record behind one credential: who may act, for
// whom, on what, from when until when, how often, and with which key. Its
// defining property is invariant 2: never broader than what was approved, and
// every sub-delegation strictly inside its parent.

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scope.h"
#include "core/task.h"
#include "core/time.h"

namespace mandate::core {

// Sub-delegation depth a chain may reach when the caller's rule sets no other
// limit; a root mandate has depth 0. Kept small because each hop is a place
// where the original intent can be stretched.
inline constexpr std::uint32_t kDefaultMaxDelegationDepth = 3;

// How the presenter proves possession of the key a mandate is bound to (the
// `cnf` claim): a JWK SHA-256 thumbprint (RFC 7638, used by DPoP RFC 9449), or
// an X.509 certificate SHA-256 thumbprint (mTLS, RFC 8705).
enum class KeyBindingKind { jkt, x5t_s256 };

// Spelled as the `cnf` member names: "jkt" and "x5t#S256".
std::string_view to_string(KeyBindingKind kind);
std::optional<KeyBindingKind> parse_key_binding_kind(std::string_view text);

struct KeyBinding {
  KeyBindingKind kind = KeyBindingKind::jkt;
  // base64url (no padding) of a SHA-256 digest: 43 characters. A thumbprint,
  // never the key itself.
  std::string thumbprint;

  friend bool operator==(const KeyBinding&, const KeyBinding&) = default;
};

struct Mandate {
  std::string id;  // the credential's `jti`
  std::string task_id;
  std::string executor;
  // Initiator first, then each executor that delegated further; one entry per
  // level, so its length is depth + 1.
  std::vector<std::string> on_behalf_of;
  Scope scope;
  // The resource servers it is for (the token's `aud`, RFC 8707): never
  // more than the task's approved audience, nor than a parent's.
  std::vector<std::string> audience;
  Timestamp not_before{};
  Timestamp expires_at{};  // exclusive, like JWT `exp`
  std::uint32_t max_uses = 1;
  KeyBinding key_binding;
  std::optional<std::string> parent_id;
  std::uint32_t depth = 0;

  friend bool operator==(const Mandate&, const Mandate&) = default;
};

// Field-level checks: ids well-formed, non-empty valid scope, one or more
// distinct audiences, not_before
// before expires_at, max_uses >= 1, thumbprint shaped as base64url SHA-256,
// depth 0 exactly when there is no parent, and on_behalf_of of length depth+1.
std::expected<void, std::string> validate_mandate(const Mandate& mandate);

// not_before <= at < expires_at.
bool is_within_validity(const Mandate& mandate, Timestamp at);

// Why a root mandate does not match the task it is issued for.
enum class IssuanceFault {
  task_not_approved,  // task is not approved (nor a break-glass request)
  other_task,         // task_id differs
  other_executor,     // bound to someone other than the requested executor
  wrong_chain,        // on_behalf_of is not exactly [initiator]
  not_root,           // has a parent or a non-zero depth
  scope_broader,      // scope is not a subset of the requested scope
  too_long,           // lifetime exceeds the requested (or rule's) duration
  audience_broader,   // names a resource server the task was not approved for
};

std::string_view to_string(IssuanceFault fault);
std::optional<IssuanceFault> parse_issuance_fault(std::string_view text);

// Invariant 2 for issuance: the first fault found, in the order above, or
// nullopt when `mandate` may be issued for `task`. The lifetime
// (expires_at - not_before) must fit the requested duration and, when given,
// the applicable rule's maximum.
std::optional<IssuanceFault> check_issuance(
    const Mandate& mandate, const Task& task,
    std::optional<std::chrono::seconds> rule_max_duration = std::nullopt);

// Why a mandate is not a valid attenuation of another.
enum class AttenuationFault {
  not_child,       // parent_id does not name the parent
  other_task,      // a sub-delegation stays within its task
  chain_broken,    // on_behalf_of is not the parent's chain plus the parent's executor
  scope_broader,   // scope is not a subset of the parent's
  starts_earlier,  // not_before precedes the parent's
  outlives_parent, // expires_at is after the parent's
  more_uses,       // max_uses exceeds the parent's
  wrong_depth,     // depth is not the parent's depth + 1
  too_deep,        // depth exceeds the limit
  audience_broader, // names a resource server the parent is not for
};

std::string_view to_string(AttenuationFault fault);
std::optional<AttenuationFault> parse_attenuation_fault(std::string_view text);

// Invariant 2 for sub-delegation: the first fault found, in the order above.
std::optional<AttenuationFault> check_attenuation(
    const Mandate& child, const Mandate& parent,
    std::uint32_t max_depth = kDefaultMaxDelegationDepth);

bool is_attenuation_of(const Mandate& child, const Mandate& parent,
                       std::uint32_t max_depth = kDefaultMaxDelegationDepth);

}  // namespace mandate::core
