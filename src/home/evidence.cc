#include "home/evidence.h"

#include "evidence/task_bundle.h"
#include "home/home.h"

namespace mandate::home {

nlohmann::json export_evidence(Home& home, const std::string& task_id) {
  return evidence::export_task_bundle(home.store(), home.ledger(), task_id, [&home](evidence::BundleSource& source) {
    source.origin = home.config().origin;
    source.checkpoint_note = home.sign_checkpoint();
    source.verifier_key = home.active_verifier().to_string();
    source.jwks = home.keys().jwks();
  });
}

}  // namespace mandate::home
