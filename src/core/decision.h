#pragma once
// A decision answers "may this mandate do this action on this resource now?"
// and records why. The answer is deny unless every check passed (invariant 3).

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace mandate::core {

// The checks of invariant 3, in the order they run. The order is fixed so that
// a denial names the first failure, and so that cheap, request-independent
// checks (is the token genuine, still valid?) always precede policy.
enum class CheckStage {
  signature,
  issuer,
  audience,
  expiry,
  revocation,
  use_count,
  key_binding,  // the presenter proves possession of the bound key
  scope,
  policy,
};

inline constexpr std::array<CheckStage, 9> kCheckOrder{
    CheckStage::signature,  CheckStage::issuer,      CheckStage::audience,
    CheckStage::expiry,     CheckStage::revocation,  CheckStage::use_count,
    CheckStage::key_binding, CheckStage::scope,      CheckStage::policy,
};

std::string_view to_string(CheckStage stage);
std::optional<CheckStage> parse_check_stage(std::string_view text);

struct Decision {
  // Absent when no mandate could be identified (e.g. the signature failed
  // before the token's id could be trusted).
  std::optional<std::string> mandate_id;
  std::string action;
  std::string resource;
  bool allowed = false;  // deny by default
  // When allowed: the ids of the policies that permitted it. When denied:
  // the name of the failed check (to_string(CheckStage)), or, for a policy
  // denial, the ids of the policies that forbade it (none: nothing permitted).
  std::vector<std::string> reasons;
  Timestamp decided_at{};

  friend bool operator==(const Decision&, const Decision&) = default;
};

}  // namespace mandate::core
