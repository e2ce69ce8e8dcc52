#include "evidence/task_bundle.h"

#include "broker/trace.h"
#include "evidence/bundle.h"

namespace mandate::evidence {

nlohmann::json export_task_bundle(store::Store& store, ledger::Ledger& ledger, const std::string& id,
                                  const SealBundle& seal) {
  const auto trace = broker::build_trace(store, ledger, id);
  BundleSource source;
  source.task_id = trace.task.task.id;
  for (const auto& s : trace.steps) source.indices.push_back(s.index);
  source.indices.insert(source.indices.end(), trace.policy_entries.begin(), trace.policy_entries.end());
  seal(source);
  return export_bundle(ledger, source);
}

}  // namespace mandate::evidence
