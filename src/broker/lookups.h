#pragma once
// Internal to the broker: reading state records back with the versions a
// step must still hold at commit time, and the checks on who may act.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/records.h"
#include "broker/step.h"
#include "store/store.h"

namespace mandate::ledger {
class Ledger;
}

namespace mandate::broker {

std::optional<Versioned<ActorRecord>> find_actor(store::Store& store, const std::string& id);
Versioned<ActorRecord> get_actor(store::Store& store, const std::string& id);  // not_found
std::optional<Versioned<TaskRecord>> find_task(store::Store& store, const std::string& id);
Versioned<TaskRecord> get_task(store::Store& store, const std::string& id);    // not_found
std::optional<Versioned<MandateRecord>> find_mandate(store::Store& store, const std::string& jti);
std::vector<core::Approval> task_approvals(store::Store& store, const std::string& task_id);
std::vector<Versioned<MandateRecord>> task_mandates(store::Store& store, const std::string& task_id);
std::vector<core::ApprovalRule> loaded_rules(store::Store& store);
// The loaded rules that apply to `task`, or the default rule when none does.
std::vector<core::ApprovalRule> applicable_rules(store::Store& store, const core::Task& task);

// The ledger index `object` names under `member` ("entry" in a record put
// with RecordPut::names_entry, "previous_use" in an allow's data), if any.
std::optional<std::uint64_t> named_index(const nlohmann::json& object, const char* member);

// One ledger entry about a task, parsed.
struct TaskEntry {
  std::uint64_t index = 0;
  nlohmann::json entry;
};
// Every entry about the task, in ledger order: those filed under it
// (Step::about_task) and its allowed decisions, found by walking back from
// its use count through each decision's "previous_use". Error{check_failed}
// when that chain names an entry that is not one of the task's decisions.
std::vector<TaskEntry> entries_about_task(store::Store& store, ledger::Ledger& ledger, const std::string& task_id);

// The caller as an active registered actor of an allowed kind, or a
// bad_input error saying why not.
ActorRecord require_active_actor(store::Store& store, const Caller& caller, std::initializer_list<core::ActorKind> kinds,
                                 const std::string& role);

// An active workload or agent with a registered key, or a bad_input error
// saying which of those it is not: whom a mandate can be bound to.
ActorRecord require_executor(store::Store& store, const std::string& id);

}  // namespace mandate::broker
