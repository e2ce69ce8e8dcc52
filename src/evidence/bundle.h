#pragma once
// Evidence: a self-contained bundle about one task that verifies offline.
// It holds the task's ledger entries (and the policy.loaded entries its
// decisions name), each with an RFC 9162 inclusion proof to one signed C2SP
// checkpoint, the checkpoint's verifier key and the JWKS of the mandate
// signing keys. Nothing in it is trusted by itself: verification recomputes
// every leaf hash and proof, checks the checkpoint signature, and only then
// reads what the entries say.
//
// {"format":"mandate-evidence/2","origin":…,"task":…,"checkpoint":"<note>",
//  "verifier_key":"<vkey>","jwks":{…},
//  "entries":[{"index":n,"entry":"<canonical entry bytes>","proof":["<base64>",…]},…]}
//
// Merkle hashes (here the proof paths; the root is in the checkpoint) are
// standard padded base64, as in the checkpoint and the ledger's proof
// endpoints (RFC 9162 / C2SP style), so one decoder reads all of them.
// mandate-evidence/1 carried the proofs in hex; it is refused, not guessed at.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mandate::ledger {
class Ledger;
}
namespace mandate::witness {
class WitnessPolicy;
}

namespace mandate::evidence {

inline constexpr const char* kBundleFormat = "mandate-evidence/2";

struct BundleSource {
  std::string origin;
  std::string task_id;
  std::string checkpoint_note;  // signed at a size that covers every index
  std::string verifier_key;     // C2SP vkey of the checkpoint signer
  nlohmann::json jwks;
  std::vector<std::uint64_t> indices;
};

nlohmann::json export_bundle(ledger::Ledger& ledger, const BundleSource& source);

struct VerifyReport {
  bool valid = false;
  std::vector<std::string> problems;  // why it is not valid
  std::vector<std::string> proves;    // plain statements, once valid
  nlohmann::json summary;             // machine-readable form of the same
};

// `trusted_key`: a vkey the verifier already trusts. Without it, the bundle's
// own key is used (or the logs `witnesses` lists, if it lists any) and the
// report says the signer must be checked separately. `witnesses`: the
// witnesses and the quorum whose cosignatures the checkpoint must carry
// (C2SP tlog-policy); none, no cosignature is required.
VerifyReport verify_bundle(std::string_view bundle_text, const std::optional<std::string>& trusted_key,
                           const witness::WitnessPolicy* witnesses = nullptr);

}  // namespace mandate::evidence
