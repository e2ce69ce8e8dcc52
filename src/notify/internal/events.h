#pragma once
// Private to the notify module: the build defines MANDATE_INSIDE_NOTIFY only for src/notify/ and tests/notify/.
#ifndef MANDATE_INSIDE_NOTIFY
#error "this header is internal to the notify module; include a public notify/ header instead"
#endif
// Ledger entries as CloudEvents 1.0 (structured JSON): which entries are
// announced, as which event, with which data. `data` is built from an
// allow-list of fields, never from the entry's data as a whole, so a token,
// a token hash, a proof or a key never reaches a webhook.
#include <optional>
#include <string>
#include <string_view>

#include "broker/records.h"
#include "store/store.h"

namespace mandate::broker {
class Broker;
}

namespace mandate::notify {

struct EventContext {
  std::string origin;      // the ledger's origin: event ids are "<origin>/<index>"
  std::string public_url;  // the CloudEvents source; console links start with it
  // [console] change_url_template: "{reference}" is replaced by the task's
  // change reference, percent-encoded. Empty: no change_url.
  std::string change_url_template;
};

struct Event {
  std::string id;          // CloudEvents id: unique, the same on every attempt
  std::string webhook_id;  // "msg_" + 32 hex digits of SHA-256(id): no '.', as Standard Webhooks asks
  std::string name;        // one of kEventNames
  std::string body;        // the CloudEvent, compact JSON: what is signed and sent
};

// Whether entries of this type can be announced (read before parsing, so a
// stream of decisions costs no JSON parse).
bool may_announce(std::string_view entry_type);

// The event announcing a ledger entry, or nothing for entries no event
// stands for (decisions, an approval that leaves the task pending, ...).
// Reads the task the entry is about through `broker`. Throws when the
// entry does not have the shape the broker writes.
std::optional<Event> event_for_entry(const store::LedgerRow& row, broker::Broker& broker, const EventContext& context);

// A break-glass task whose review deadline passed with no review.
Event review_overdue_event(const broker::TaskRecord& task, const EventContext& context);

}  // namespace mandate::notify
