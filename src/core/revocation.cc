#include "core/revocation.h"

#include "core/internal/enum_names.h"
#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<RevocationReason, 5> kRevocationReasonNames{{
    {RevocationReason::task_completed, "task_completed"},
    {RevocationReason::expired, "expired"},
    {RevocationReason::revoked_by_person, "revoked_by_person"},
    {RevocationReason::owner_offboarded, "owner_offboarded"},
    {RevocationReason::task_cancelled, "task_cancelled"},
}};

}  // namespace

std::string_view to_string(RevocationReason reason) {
  return detail::name_of(kRevocationReasonNames, reason);
}
std::optional<RevocationReason> parse_revocation_reason(std::string_view text) {
  return detail::value_of(kRevocationReasonNames, text);
}

TaskEvent task_event_for(RevocationReason reason) {
  switch (reason) {
    case RevocationReason::task_completed:
      return TaskEvent::complete;
    case RevocationReason::expired:
      return TaskEvent::expire;
    case RevocationReason::revoked_by_person:
    case RevocationReason::owner_offboarded:
      return TaskEvent::revoke;
    case RevocationReason::task_cancelled:
      return TaskEvent::cancel;
  }
  // Only an out-of-range cast gets here; ending the task as revoked is the
  // conservative reading.
  return TaskEvent::revoke;
}

std::expected<void, std::string> validate_revocation(const Revocation& revocation) {
  if (auto ok = check_id(revocation.mandate_id); !ok) return detail::about("mandate id", ok);
  if (!detail::is_named(kRevocationReasonNames, revocation.reason)) {
    return detail::refuse("revocation reason is not a known reason");
  }
  if (revocation.by) {
    if (auto ok = check_id(*revocation.by); !ok) return detail::about("revoked by", ok);
  } else if (revocation.reason == RevocationReason::revoked_by_person ||
             revocation.reason == RevocationReason::task_cancelled) {
    return detail::refuse("a revocation by a person must name who revoked");
  }
  return {};
}

}  // namespace mandate::core
