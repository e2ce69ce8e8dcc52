#include "home/evidence.h"

#include <algorithm>

#include "evidence/task_bundle.h"
#include "home/home.h"

namespace mandate::home {
namespace {

// The home key whose signature is on `note` (a witnessed checkpoint may
// predate a key rotation); the active key's when none is.
std::string verifier_of(Home& home, const std::string& note) {
  if (const auto parsed = ledger::parse_signed_note(note)) {
    for (const auto& verifier : home.verifiers()) {
      for (const auto& sig : parsed->signatures) {
        if (verifier.verify(parsed->text, sig)) return verifier.to_string();
      }
    }
  }
  return home.active_verifier().to_string();
}

std::optional<std::string> witnessed_covering(Home& home, std::uint64_t needed, const WitnessNow& witness_now) {
  if (auto kept = home.witnessed_checkpoint_covering(needed)) return kept;
  if (witness_now) return witness_now(needed);
  return std::nullopt;
}

}  // namespace

nlohmann::json export_evidence(Home& home, const std::string& task_id, const WitnessNow& witness_now) {
  return evidence::export_task_bundle(home.store(), home.ledger(), task_id, [&](evidence::BundleSource& source) {
    source.origin = home.config().origin;
    const std::uint64_t needed =
        source.indices.empty() ? 0 : *std::max_element(source.indices.begin(), source.indices.end()) + 1;
    if (auto witnessed = witnessed_covering(home, needed, witness_now)) {
      source.checkpoint_note = std::move(*witnessed);
      source.verifier_key = verifier_of(home, source.checkpoint_note);
    } else {
      source.checkpoint_note = home.sign_checkpoint();
      source.verifier_key = home.active_verifier().to_string();
    }
    source.jwks = home.keys().jwks();
  });
}

}  // namespace mandate::home
