#pragma once
// The witness's side of C2SP tlog-witness (https://c2sp.org/tlog-witness),
// independent of HTTP: an add-checkpoint body in, a status and body out.
//
// It cosigns a checkpoint only if it is signed by a key it trusts for its
// origin and consistent with the latest checkpoint it cosigned for that
// origin, and the check and the update of that latest checkpoint are one
// durable transaction. So it never cosigns two different roots for one size
// and never cosigns a smaller tree than one it cosigned before.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "witness/cosignature.h"
#include "witness/witness_config.h"
#include "witness/witness_state.h"

namespace mandate::witness {

// An answer as the protocol defines it; the HTTP layer sends it as it is.
struct WitnessAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;  // 200: the cosignature line(s); else why (409: the latest size)
};

inline constexpr std::string_view kTlogSizeType = "text/x.tlog.size";

class WitnessService {
 public:
  using Clock = std::function<std::uint64_t()>;  // seconds since the epoch
  static std::uint64_t system_seconds();

  WitnessService(std::string name, crypto::Ed25519PrivateKey key, std::vector<WitnessedLog> logs,
                 WitnessState& state, Clock clock = system_seconds);

  const Cosigner& cosigner() const { return cosigner_; }

  // POST <prefix>/add-checkpoint. Throws Error{io} when the state cannot be
  // read or written (nothing was cosigned then).
  WitnessAnswer add_checkpoint(std::string_view body);
  // GET <prefix>/<origin hash>/checkpoint: the latest cosigned checkpoint,
  // with the log's signature(s) and this witness's cosignature.
  WitnessAnswer latest_checkpoint(std::string_view origin_hash_hex);

 private:
  struct Submission;
  // Why a checkpoint may not be cosigned on top of the latest, and whether
  // the refusal is worth keeping as evidence.
  struct Refused {
    WitnessAnswer answer;
    std::string reason;
    bool evidence = true;
  };
  WitnessAnswer decide(const Submission& submission);
  static std::optional<Refused> refusal_of(const Submission& s, const std::optional<CosignedCheckpoint>& latest);
  Refusal record_of(const Submission& s, const Refused& refused) const;
  CosignedCheckpoint cosigned(const Submission& s, ledger::NoteSignature& cosignature) const;

  std::string name_;
  crypto::Ed25519PrivateKey key_;
  Cosigner cosigner_;
  std::vector<WitnessedLog> logs_;
  std::map<std::string, std::string, std::less<>> origin_by_hash_;  // lowercase hex SHA-256 of the origin
  WitnessState& state_;
  Clock clock_;
};

}  // namespace mandate::witness
