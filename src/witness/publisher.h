#pragma once
// A log asking its witnesses: each new checkpoint goes to every witness the
// policy names with a URL, with a consistency proof from the size that
// witness last cosigned; the cosignatures that verify are gathered into the
// checkpoint, and the policy's quorum says whether it is now trusted.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/merkle.h"
#include "witness/policy.h"

namespace mandate::witness {

// What one witness did lately, for /metrics and /readyz.
struct WitnessStatus {
  std::string name;  // the policy's name for it
  std::string url;
  bool size_known = false;
  std::uint64_t known_size = 0;     // the witness's latest cosigned size, as far as we know
  std::uint64_t cosigned_size = 0;  // the largest of our checkpoints it cosigned
  std::uint64_t cosignatures = 0;   // cosignatures received since start
  std::uint64_t failures = 0;       // requests that gave no cosignature for another reason than a newer one
  std::string last_error;           // empty once it cosigns again
};

struct Publication {
  std::uint64_t size = 0;
  std::string note;   // the signed checkpoint with every cosignature gathered
  QuorumCheck quorum;
  std::vector<std::string> failures;  // "witness X: why", for the log
};

using ConsistencyProofs = std::function<std::vector<ledger::Hash>(std::uint64_t first, std::uint64_t second)>;

class CheckpointPublisher {
 public:
  CheckpointPublisher(WitnessPolicy policy, std::chrono::milliseconds timeout, ConsistencyProofs proofs);
  ~CheckpointPublisher();
  CheckpointPublisher(const CheckpointPublisher&) = delete;
  CheckpointPublisher& operator=(const CheckpointPublisher&) = delete;

  // Sends `signed_checkpoint` (a note signed by the log) to every witness at
  // once and waits for them all (each bounded by the timeout). Throws
  // Error{bad_input} if the note is not a checkpoint.
  Publication publish(std::string_view signed_checkpoint);

  std::vector<WitnessStatus> states() const;
  const WitnessPolicy& policy() const { return policy_; }

 private:
  struct Witness;
  void ask(Witness& witness, std::string_view note, std::string_view text, std::uint64_t size);

  WitnessPolicy policy_;
  ConsistencyProofs proofs_;
  std::mutex publishing_;  // one publication at a time: each witness's state moves in order
  std::vector<std::unique_ptr<Witness>> witnesses_;
};

}  // namespace mandate::witness
