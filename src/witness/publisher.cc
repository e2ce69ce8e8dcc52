#include "witness/publisher.h"

#include <thread>

#include "core/error.h"
#include "ledger/checkpoint.h"
#include "witness/client.h"

namespace mandate::witness {

struct CheckpointPublisher::Witness {
  PolicyWitness config;
  WitnessClient client;
  mutable std::mutex mu;  // guards state: read by states() while a publication runs
  WitnessStatus state;
  std::vector<ledger::NoteSignature> gathered;  // this publication's verified cosignatures

  Witness(PolicyWitness c, std::chrono::milliseconds timeout)
      : config(std::move(c)), client(config.url, timeout) {
    state.name = config.name;
    state.url = config.url;
  }
};

CheckpointPublisher::CheckpointPublisher(WitnessPolicy policy, std::chrono::milliseconds timeout,
                                         ConsistencyProofs proofs)
    : policy_(std::move(policy)), proofs_(std::move(proofs)) {
  for (const auto& w : policy_.witnesses()) {
    if (!w.url.empty()) witnesses_.push_back(std::make_unique<Witness>(w, timeout));
  }
}

CheckpointPublisher::~CheckpointPublisher() = default;

void CheckpointPublisher::ask(Witness& w, std::string_view note, std::string_view text, std::uint64_t size) {
  std::uint64_t old_size = 0;
  {
    std::lock_guard lock(w.mu);
    if (w.state.size_known) old_size = w.state.known_size;
  }
  std::string why;
  // A 409 tells us the witness's size; one retry from there is enough
  // unless another server of this log moves it again meanwhile.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (old_size > size) {
      why.clear();  // it has cosigned a newer checkpoint of ours already: nothing to do
      break;
    }
    std::vector<ledger::Hash> proof;
    if (old_size > 0 && old_size < size) proof = proofs_(old_size, size);
    const CosignatureRequestResult answer = w.client.add_checkpoint(old_size, proof, note, text);
    if (answer.kind == CosignatureRequestResult::Kind::conflict) {
      old_size = answer.witness_size;
      std::lock_guard lock(w.mu);
      w.state.size_known = true;
      w.state.known_size = old_size;
      why = "its latest size " + std::to_string(old_size) + " kept moving";
      continue;
    }
    if (answer.kind != CosignatureRequestResult::Kind::cosigned) {
      why = answer.kind == CosignatureRequestResult::Kind::unreachable ? "unreachable: " + answer.why : answer.why;
      break;
    }
    std::vector<ledger::NoteSignature> valid;
    for (const auto& sig : answer.cosignatures) {
      if (w.config.cosigner.matches(sig) && w.config.cosigner.verify(text, sig)) valid.push_back(sig);
    }
    if (valid.empty()) {
      why = "answered 200 without a cosignature that verifies under its key";
      break;
    }
    std::lock_guard lock(w.mu);
    w.gathered = std::move(valid);
    w.state.size_known = true;
    w.state.known_size = size;
    w.state.cosigned_size = size;
    w.state.cosignatures += 1;
    w.state.last_error.clear();
    return;
  }
  if (why.empty()) return;
  std::lock_guard lock(w.mu);
  w.state.failures += 1;
  w.state.last_error = why;
}

Publication CheckpointPublisher::publish(std::string_view signed_checkpoint) {
  auto note = ledger::parse_signed_note(signed_checkpoint);
  if (!note) fail(ErrorKind::bad_input, "not a signed checkpoint: " + note.error());
  auto checkpoint = ledger::parse_checkpoint_body(note->text);
  if (!checkpoint) fail(ErrorKind::bad_input, "not a signed checkpoint: " + checkpoint.error());

  std::lock_guard publishing(publishing_);
  {
    std::vector<std::jthread> asking;
    for (auto& w : witnesses_) {
      w->gathered.clear();
      asking.emplace_back([this, &w, &signed_checkpoint, &note, &checkpoint] {
        // An exception leaving a thread ends the process: a proof the store
        // could not read is this witness's failure for this round, no more.
        try {
          ask(*w, signed_checkpoint, note->text, checkpoint->size);
        } catch (const std::exception& e) {
          std::lock_guard lock(w->mu);
          w->state.failures += 1;
          w->state.last_error = std::string("could not be asked: ") + e.what();
        }
      });
    }
  }  // every witness has answered or timed out

  Publication out;
  out.size = checkpoint->size;
  for (auto& w : witnesses_) {
    std::lock_guard lock(w->mu);
    for (auto& sig : w->gathered) {
      const bool already = std::any_of(note->signatures.begin(), note->signatures.end(), [&](const auto& s) {
        return s.name == sig.name && s.key_hash == sig.key_hash;
      });
      if (!already) note->signatures.push_back(sig);
    }
    if (w->gathered.empty() && !w->state.last_error.empty()) {
      out.failures.push_back("witness " + w->config.name + ": " + w->state.last_error);
    }
  }
  out.quorum = policy_.check(note->text, note->signatures);
  out.note = ledger::format_signed_note(*note);
  return out;
}

std::vector<WitnessStatus> CheckpointPublisher::states() const {
  std::vector<WitnessStatus> out;
  for (const auto& w : witnesses_) {
    std::lock_guard lock(w->mu);
    out.push_back(w->state);
  }
  return out;
}

}  // namespace mandate::witness
