// The entries about a task (lookups.h): those filed under it, and its
// allowed decisions, found through the chain of its uses.
#include <map>
#include <optional>

#include "broker/lookups.h"
#include "core/error.h"
#include "ledger/ledger.h"

namespace mandate::broker {
namespace {

// Every allow moves the task's use count, which then names the allow's
// entry; each allow's entry names the allow before it. An allow made
// before decisions were chained (2026-12-06) has no "previous_use" and was
// filed under the task like any other entry, so the walk ends there.
void add_allowed_decisions(store::Store& store, ledger::Ledger& ledger, const std::string& task_id,
                           std::map<std::uint64_t, nlohmann::json>& out) {
  const auto uses = store.record(kTaskUsesKind, task_id);
  if (!uses) return;
  std::optional<std::uint64_t> next = named_index(nlohmann::json::parse(uses->body), "entry");
  while (next) {
    const std::uint64_t index = *next;
    nlohmann::json entry = nlohmann::json::parse(ledger.entry_bytes(index));
    const auto& refs = entry.at("refs");
    if (entry.at("type") != kDecisionEntry || !refs.contains("task") || refs.at("task") != task_id) {
      fail(ErrorKind::check_failed,
           "ledger entry " + std::to_string(index) + ", named as a use of task " + task_id + ", is not one of its decisions");
    }
    next = named_index(entry.at("data"), "previous_use");
    if (next && *next >= index) {
      fail(ErrorKind::check_failed, "ledger entry " + std::to_string(index) + " names a later entry as its task's previous use");
    }
    if (!out.emplace(index, std::move(entry)).second) break;
  }
}

}  // namespace

std::optional<std::uint64_t> named_index(const nlohmann::json& object, const char* member) {
  const auto found = object.find(member);
  if (found == object.end()) return std::nullopt;
  return found->get<std::uint64_t>();
}

std::vector<TaskEntry> entries_about_task(store::Store& store, ledger::Ledger& ledger, const std::string& task_id) {
  std::map<std::uint64_t, nlohmann::json> found;
  for (const store::Record& r : store.records(kTaskEntryKind, task_id)) {
    const std::uint64_t index = std::stoull(r.id);
    found.emplace(index, nlohmann::json::parse(ledger.entry_bytes(index)));
  }
  add_allowed_decisions(store, ledger, task_id, found);
  std::vector<TaskEntry> out;
  out.reserve(found.size());
  for (auto& [index, entry] : found) out.push_back({index, std::move(entry)});
  return out;
}

}  // namespace mandate::broker
