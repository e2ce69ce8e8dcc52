#pragma once
// The whole chain behind a task, a mandate or a decision, read back from the
// ledger: who intended it, who approved it under which rule, which mandates
// were issued to whom, every decision with its policy set and reasons, the
// outcome, and how each privilege ended. For each action it states which
// links the ledger proves: initiation, approval, execution.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/records.h"

namespace mandate::store {
class Store;
}
namespace mandate::ledger {
class Ledger;
}

namespace mandate::broker {

struct TraceStep {
  std::uint64_t index = 0;
  nlohmann::json entry;  // the ledger entry as recorded
  // Set when the entry is another task's, shown for context: in an agent's
  // chain, the request and approvals of a call it had held for a person;
  // in a held call's, the agent's decisions that held it or ran on it.
  std::string from_task;
};

// What the ledger proves about one decision.
struct Attribution {
  std::uint64_t decision_index = 0;
  bool allowed = false;
  bool initiation = false;  // a human's recorded request started the task
  bool approval = false;    // approvals satisfied the rules before the mandate (or a break-glass review)
  bool execution = false;   // the executor proved possession of the mandate's key for this action
  std::string depth() const;  // e.g. "initiation+approval+execution", or "none"
};

struct Trace {
  std::string subject;  // what was asked for: a task, mandate or decision
  TaskRecord task;
  std::vector<TraceStep> steps;
  std::vector<Attribution> attribution;
  std::vector<std::uint64_t> policy_entries;  // policy.loaded entries the decisions used
};

// What the steps of one task (in ledger order) prove about each decision.
std::vector<Attribution> attribute(const std::vector<TraceStep>& steps);

// `id` is a task id, a mandate jti, or a decision's ledger index.
Trace build_trace(store::Store& store, ledger::Ledger& ledger, const std::string& id);

std::string render_text(const Trace& trace);
nlohmann::json render_json(const Trace& trace);
std::string render_dot(const Trace& trace);

}  // namespace mandate::broker
