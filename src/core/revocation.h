#pragma once
// A revocation ends a mandate. Every mandate ends in exactly one, including
// the quiet endings (completion, expiry), so "when did this privilege end, and
// why?" always has a recorded answer.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/task.h"
#include "core/time.h"

namespace mandate::core {

enum class RevocationReason {
  task_completed,
  expired,
  revoked_by_person,
  owner_offboarded,  // the executor's accountable owner left
  task_cancelled,    // a person cancelled the task while it was in flight
};

std::string_view to_string(RevocationReason reason);
std::optional<RevocationReason> parse_revocation_reason(std::string_view text);

struct Revocation {
  std::string mandate_id;
  RevocationReason reason = RevocationReason::revoked_by_person;
  // Who ended it. Required for revoked_by_person, so a person's revocation is
  // always attributed; absent for endings the broker itself records.
  std::optional<std::string> by;
  Timestamp revoked_at{};

  friend bool operator==(const Revocation&, const Revocation&) = default;
};

// The task event that ending a mandate for this reason fires: task_completed
// -> complete, expired -> expire, otherwise revoke.
TaskEvent task_event_for(RevocationReason reason);

std::expected<void, std::string> validate_revocation(const Revocation& revocation);

}  // namespace mandate::core
