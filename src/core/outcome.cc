#include "core/outcome.h"

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<OutcomeResult, 2> kOutcomeResultNames{{
    {OutcomeResult::success, "success"},
    {OutcomeResult::failure, "failure"},
}};

}  // namespace

std::string_view to_string(OutcomeResult result) {
  return detail::name_of(kOutcomeResultNames, result);
}
std::optional<OutcomeResult> parse_outcome_result(std::string_view text) {
  return detail::value_of(kOutcomeResultNames, text);
}

std::expected<void, std::string> validate_outcome(const Outcome& outcome) {
  if (auto ok = check_id(outcome.task_id); !ok) return detail::about("task id", ok);
  if (auto ok = check_id(outcome.mandate_id); !ok) return detail::about("mandate id", ok);
  if (!detail::is_named(kOutcomeResultNames, outcome.result)) {
    return detail::refuse("outcome result is neither success nor failure");
  }
  if (!outcome.result_digest.empty()) {
    if (auto ok = check_id(outcome.result_digest); !ok) return detail::about("result digest", ok);
  }
  return {};
}

}  // namespace mandate::core
