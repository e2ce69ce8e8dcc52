#pragma once
// What the executor reports after acting. It closes the chain from intent to
// effect: the digest lets an auditor match the ledger to the actual result
// without the ledger holding the result itself.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace mandate::core {

enum class OutcomeResult { success, failure };

std::string_view to_string(OutcomeResult result);
std::optional<OutcomeResult> parse_outcome_result(std::string_view text);

struct Outcome {
  std::string task_id;
  std::string mandate_id;
  OutcomeResult result = OutcomeResult::failure;
  // Opaque to core, conventionally "<algorithm>:<digest>". May be empty: a
  // failure can leave nothing to digest.
  std::string result_digest;
  Timestamp reported_at{};

  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// Ids well-formed, result known, digest (when present) a well-formed token.
std::expected<void, std::string> validate_outcome(const Outcome& outcome);

}  // namespace mandate::core
