#pragma once
// Where normalized events from other systems' audit logs live. Narrow on
// purpose: importers add events, analysis scans them. Kept apart from
// store.h so the importers and the broker's workflow tables evolve
// independently; both live in the same database (the home's SQLite file, or
// the PostgreSQL database its servers share).
#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/audit_event.h"

namespace mandate::store {

struct EventQuery {
  std::optional<core::Timestamp> since;  // inclusive
  std::optional<core::Timestamp> until;  // exclusive
  std::optional<std::string> actor;
  std::optional<std::string> credential;
  std::optional<std::string> source_id;  // the record's own id in its source (eventID, auditID, …)
  std::optional<core::EventCategory> category;
  // A session: every event that used this credential or a credential issued
  // under it, following correlation links.
  std::optional<std::string> session;
  bool with_raw = false;  // the raw record is large; analysis does not need it
};

struct AddResult {
  std::size_t added = 0;
  std::size_t duplicates = 0;  // already stored: a re-imported record
  std::size_t linked = 0;      // events whose credential's issuer was found
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Adds the events and links every unlinked event whose credential was
  // issued by a stored event (this batch's or an earlier import's), in one
  // durable transaction: all of it or nothing.
  virtual AddResult add_events(std::span<const core::AuditEvent> events) = 0;

  // Each call gives the next events to add; an empty batch ends them.
  using EventBatches = std::function<std::vector<core::AuditEvent>()>;

  // add_events for events that arrive in batches, so an importer parses the
  // next ones while the store writes these: the same single durable
  // transaction, committed after the last batch. When `next` throws, nothing
  // is stored and the exception propagates. This default gathers every batch
  // first; a store that can write while the caller parses overrides it.
  virtual AddResult add_event_batches(const EventBatches& next) {
    std::vector<core::AuditEvent> all;
    for (auto batch = next(); !batch.empty(); batch = next()) {
      all.insert(all.end(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    }
    return add_events(all);
  }

  // Visits matching events in time order until `visit` returns false.
  virtual void scan_events(const EventQuery& query,
                           const std::function<bool(const core::AuditEvent&)>& visit) = 0;
  virtual std::optional<core::AuditEvent> event(const std::string& id) = 0;
  virtual std::size_t event_count() = 0;
};

}  // namespace mandate::store
