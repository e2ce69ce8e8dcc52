#include "evidence/task_bundle.h"

#include "broker/trace.h"
#include "evidence/bundle.h"
#include "home/home.h"

namespace mandate::evidence {

nlohmann::json export_task_bundle(home::Home& home, const std::string& id) {
  const auto trace = broker::build_trace(home.store(), home.ledger(), id);
  BundleSource source;
  source.origin = home.config().origin;
  source.task_id = trace.task.task.id;
  for (const auto& s : trace.steps) source.indices.push_back(s.index);
  source.indices.insert(source.indices.end(), trace.policy_entries.begin(), trace.policy_entries.end());
  source.checkpoint_note = home.sign_checkpoint();
  source.verifier_key = home.active_verifier().to_string();
  source.jwks = home.keys().jwks();
  return export_bundle(home.ledger(), source);
}

}  // namespace mandate::evidence
