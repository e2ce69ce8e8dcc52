#pragma once
// mandate's own ledger as one more source of normalized events, so the
// finding rules and the attribution report cover work routed through
// mandate exactly as they cover imported logs: a task request and each
// approval become `request` / `approval` events referencing the task, a
// mandate issued is a `credential_issued` event, each decision an `action`
// by the executor with the mandate as its credential, and each suspension or
// offboarding of an actor a `lifecycle` event naming that actor as resource.
#include <string>
#include <vector>

#include "core/audit_event.h"

namespace mandate::store {
class LedgerStore;
}

namespace mandate::ingest {

// Events of the workflow entries in [from, ledger size); other entries
// (operator records, policy loads, actor registrations) are not actions and
// are skipped. Ids are "<origin>#<index>", so re-reading adds nothing new.
std::vector<core::AuditEvent> events_from_ledger(store::LedgerStore& ledger, const std::string& origin,
                                                 std::uint64_t from = 0);

}  // namespace mandate::ingest
