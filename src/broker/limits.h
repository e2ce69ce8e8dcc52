#pragma once
// Internal to the broker: what the applicable rules allow (their limits
// combined), a task drafted against them, and the token claims of a mandate.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/records.h"
#include "store/store.h"
#include "token/mandate_token.h"

namespace mandate::broker {

// The limits of all applicable rules combined: the strictest of each.
struct Limits {
  std::chrono::seconds max_task_duration{0};
  std::chrono::seconds max_mandate_lifetime{0};
  std::uint32_t max_uses = 0;
  bool break_glass_allowed = true;
  std::chrono::seconds review_within{0};
};
Limits combine(const std::vector<core::ApprovalRule>& rules);

// A new task for `request`, checked on its own and against the rules that
// apply (their longest task duration); rule_ids and the use budget filled;
// the audience is `default_audience` when the request names none. Writes
// nothing.
struct DraftTask {
  TaskRecord record;
  Limits limits;
};
DraftTask draft_task(store::Store& store, const std::string& initiator, const TaskRequest& request, core::Timestamp at,
                     bool break_glass, const std::string& default_audience);

// The token claims describing mandate `m` (issuance.cc).
token::MandateClaims claims_for(const core::Mandate& m, const Settings& settings, core::Timestamp issued_at,
                                const std::string& approval_hash, bool break_glass);

}  // namespace mandate::broker
