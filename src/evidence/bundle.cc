#include "evidence/bundle.h"

#include <algorithm>

#include "core/error.h"
#include "encoding/base64.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/note.h"

namespace mandate::evidence {

nlohmann::json export_bundle(ledger::Ledger& ledger, const BundleSource& source) {
  auto note = ledger::parse_signed_note(source.checkpoint_note);
  if (!note) fail(ErrorKind::check_failed, "checkpoint: " + note.error());
  auto checkpoint = ledger::parse_checkpoint_body(note->text);
  if (!checkpoint) fail(ErrorKind::check_failed, "checkpoint: " + checkpoint.error());
  std::vector<std::uint64_t> indices = source.indices;
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  nlohmann::json entries = nlohmann::json::array();
  for (std::uint64_t index : indices) {
    if (index >= checkpoint->size) fail(ErrorKind::check_failed, "entry " + std::to_string(index) + " is past the checkpoint");
    nlohmann::json proof = nlohmann::json::array();
    for (const auto& h : ledger.inclusion_proof(index, checkpoint->size)) proof.push_back(encoding::base64_encode(h));
    entries.push_back({{"index", index}, {"entry", ledger.entry_bytes(index)}, {"proof", proof}});
  }
  return {{"format", kBundleFormat},
          {"origin", source.origin},
          {"task", source.task_id},
          {"checkpoint", source.checkpoint_note},
          {"verifier_key", source.verifier_key},
          {"jwks", source.jwks},
          {"entries", entries}};
}

}  // namespace mandate::evidence
