#pragma once
// Runs the finding rules and the attribution count over normalized events in
// one pass, in time order. The input is the normalized event shape only, so
// events derived from mandate's own ledger (task requested, approval,
// mandate issued, decision) feed the same rules once the workflow writes
// them: requests and approvals carry the task id as `reference`.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyze/attribution.h"
#include "analyze/config.h"
#include "analyze/finding.h"
#include "core/audit_event.h"
#include "store/event_store.h"

namespace mandate::analyze {

struct Analysis {
  std::vector<Finding> findings;  // by severity, then rule, then subject
  AttributionReport attribution;
  std::size_t events = 0;
  core::Timestamp as_of{};  // what "now" meant for staleness: the newest event unless given
};

// Finds an event by id: how the analyzer reaches a credential's issuer that
// lies before the analyzed window.
using EventLookup = std::function<std::optional<core::AuditEvent>(const std::string& id)>;

class Analyzer {
 public:
  Analyzer(const AnalyzeConfig& config, EventLookup lookup);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Events must come in time order.
  void observe(const core::AuditEvent& event);
  // A lifecycle event from before the analyzed window: it counts for whose
  // owners are gone, not as an analyzed event.
  void observe_standing(const core::AuditEvent& event);
  Analysis finish(std::optional<core::Timestamp> as_of = std::nullopt);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct AnalyzeOptions {
  std::optional<core::Timestamp> since;
  std::optional<core::Timestamp> as_of;
};

Analysis analyze(store::EventStore& store, const AnalyzeConfig& config, const AnalyzeOptions& options);

}  // namespace mandate::analyze
