#include "witness/witness_service.h"

#include <algorithm>
#include <chrono>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "witness/add_checkpoint_request.h"

namespace mandate::witness {
namespace {

WitnessAnswer answer(int status, std::string why) { return {status, "text/plain; charset=utf-8", why + "\n"}; }

std::string origin_hash(std::string_view origin) { return encoding::hex_encode(crypto::Sha256().update(origin).finish()); }

// The lines a note ends with for these signatures, each "— <name> <base64>\n".
std::string signature_lines(const std::vector<ledger::NoteSignature>& signatures) {
  return ledger::format_signed_note({"", signatures}).substr(1);
}

std::string proof_lines(const std::vector<ledger::Hash>& proof) {
  std::string text;
  for (const ledger::Hash& h : proof) text += encoding::base64_encode(h) + "\n";
  return text;
}

}  // namespace

// A request that parsed and carries a valid signature of a known log.
struct WitnessService::Submission {
  AddCheckpointRequest request;
  std::string text;  // the checkpoint note's text, what signatures cover
  ledger::Checkpoint checkpoint;
  std::vector<ledger::NoteSignature> log_signatures;  // the ones that verified
};

std::uint64_t WitnessService::system_seconds() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

WitnessService::WitnessService(std::string name, crypto::Ed25519PrivateKey key, std::vector<WitnessedLog> logs,
                               WitnessState& state, Clock clock)
    : name_(std::move(name)),
      key_(std::move(key)),
      cosigner_(Cosigner::for_key(name_, key_.public_key())),
      logs_(std::move(logs)),
      state_(state),
      clock_(std::move(clock)) {
  for (const WitnessedLog& log : logs_) origin_by_hash_.emplace(origin_hash(log.origin), log.origin);
}

WitnessAnswer WitnessService::add_checkpoint(std::string_view body) {
  Submission s;
  auto request = parse_add_checkpoint(body);
  if (!request) return answer(400, "malformed add-checkpoint request: " + request.error());
  s.request = std::move(*request);
  auto note = ledger::parse_signed_note(s.request.checkpoint);
  if (!note) return answer(400, "the checkpoint is not a signed note: " + note.error());
  auto checkpoint = ledger::parse_checkpoint_body(note->text);
  if (!checkpoint) return answer(400, "malformed checkpoint: " + checkpoint.error());
  s.text = std::move(note->text);
  s.checkpoint = std::move(*checkpoint);

  const auto log = std::find_if(logs_.begin(), logs_.end(), [&](const WitnessedLog& l) { return l.origin == s.checkpoint.origin; });
  if (log == logs_.end()) return answer(404, "unknown log: this witness does not witness \"" + s.checkpoint.origin + "\"");
  // Signatures from keys it does not trust are ignored; one that names a
  // trusted key and fails makes the note malformed (C2SP signed-note).
  for (const ledger::NoteSignature& sig : note->signatures) {
    for (const ledger::NoteVerifier& key : log->keys) {
      if (!key.matches(sig)) continue;
      if (!key.verify(s.text, sig)) {
        return answer(403, "the signature of the trusted key " + key.to_string() + " does not verify");
      }
      s.log_signatures.push_back(sig);
    }
  }
  if (s.log_signatures.empty()) {
    return answer(403, "no signature from a key this witness trusts for \"" + s.checkpoint.origin + "\"");
  }
  return decide(s);
}

std::optional<WitnessService::Refused> WitnessService::refusal_of(const Submission& s,
                                                               const std::optional<CosignedCheckpoint>& latest) {
  const std::uint64_t old_size = s.request.old_size;
  const std::uint64_t size = s.checkpoint.size;
  const std::uint64_t latest_size = latest ? latest->size : 0;
  auto refused = [](int status, std::string why) { return Refused{answer(status, why), why, true}; };
  if (old_size > size) {
    return refused(400, "the old size " + std::to_string(old_size) + " is larger than the checkpoint's size " +
                            std::to_string(size));
  }
  if (old_size != latest_size) {
    // The usual answer to a log that is behind (several log servers race):
    // evidence only when it contradicts what was cosigned at that size.
    const bool fork = latest && size == latest->size && s.checkpoint.root != latest->root;
    return Refused{{409, std::string(kTlogSizeType), std::to_string(latest_size) + "\n"},
                   "a different root for size " + std::to_string(size) + " than the one cosigned (old size " +
                       std::to_string(old_size) + ", the latest is " + std::to_string(latest_size) + ")",
                   fork};
  }
  if (size == 0 && s.checkpoint.root != ledger::empty_root()) {
    return refused(422, "a checkpoint of size 0 must have the empty tree's root");
  }
  if (old_size == 0 && !s.request.proof.empty()) return refused(422, "the consistency proof from size 0 must be empty");
  if (old_size == size && old_size > 0 && s.checkpoint.root != latest->root) {
    return refused(422, "the root for size " + std::to_string(size) + " differs from the one this witness cosigned");
  }
  if (old_size > 0 && !ledger::verify_consistency(old_size, size, latest->root, s.checkpoint.root, s.request.proof)) {
    return refused(422, "the consistency proof from size " + std::to_string(old_size) + " to " + std::to_string(size) +
                            " does not verify against the checkpoint this witness cosigned");
  }
  return std::nullopt;
}

Refusal WitnessService::record_of(const Submission& s, const Refused& refused) const {
  Refusal r;
  r.origin = s.checkpoint.origin;
  r.received_at = clock_();
  r.status = refused.answer.status;
  r.reason = refused.reason;
  r.old_size = s.request.old_size;
  r.size = s.checkpoint.size;
  r.checkpoint = s.request.checkpoint;
  r.proof = proof_lines(s.request.proof);
  return r;
}

CosignedCheckpoint WitnessService::cosigned(const Submission& s, ledger::NoteSignature& cosignature) const {
  // The spec forbids a zero timestamp: a clock before 1970 still says 1.
  const std::uint64_t timestamp = std::max<std::uint64_t>(1, clock_());
  cosignature = cosign(s.text, name_, key_, timestamp);
  std::vector<ledger::NoteSignature> signatures = s.log_signatures;
  signatures.push_back(cosignature);
  CosignedCheckpoint next;
  next.origin = s.checkpoint.origin;
  next.size = s.checkpoint.size;
  next.root = s.checkpoint.root;
  next.note = ledger::format_signed_note({s.text, signatures});
  next.cosigned_at = timestamp;
  return next;
}

WitnessAnswer WitnessService::decide(const Submission& s) {
  WitnessAnswer result;
  state_.decide(s.checkpoint.origin, [&](const std::optional<CosignedCheckpoint>& latest) -> StateChange {
    if (auto refused = refusal_of(s, latest)) {
      result = refused->answer;
      // A refused checkpoint the log validly signed may prove that it forked
      // or rolled back: kept (the spec allows the witness to log it).
      if (!refused->evidence) return {};
      return {std::nullopt, record_of(s, *refused)};
    }
    ledger::NoteSignature cosignature;
    CosignedCheckpoint next = cosigned(s, cosignature);
    result = {200, "text/plain; charset=utf-8", signature_lines({cosignature})};
    return {std::move(next), std::nullopt};
  });
  return result;
}

WitnessAnswer WitnessService::latest_checkpoint(std::string_view origin_hash_hex) {
  const auto origin = origin_by_hash_.find(origin_hash_hex);
  if (origin == origin_by_hash_.end()) {
    return answer(404, "no log witnessed here has that origin hash (lowercase hex SHA-256 of the origin)");
  }
  auto latest = state_.latest(origin->second);
  if (!latest) return answer(404, "this witness has not cosigned a checkpoint of \"" + origin->second + "\" yet");
  return {200, "text/plain; charset=utf-8", latest->note};
}

}  // namespace mandate::witness
