#pragma once
// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the body of a
// signed note that commits to a tree size and root hash under an origin.
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/note.h"

namespace mandate::ledger {

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;

  // "<origin>\n<size>\n<base64 root>\n[extension lines]"
  std::string body() const;
};

std::expected<Checkpoint, std::string> parse_checkpoint_body(std::string_view text);

// The checkpoint a signed note holds, its signatures not checked (what a
// caller that already trusts where the note came from needs: its size).
std::expected<Checkpoint, std::string> read_signed_checkpoint(std::string_view note);

// Signs a checkpoint as a note whose key name is the origin.
std::string sign_checkpoint(const Checkpoint& checkpoint, const crypto::Ed25519PrivateKey& key);
std::string sign_checkpoint(const Checkpoint& checkpoint, const crypto::Ed25519PublicKey& key,
                            const SignFunction& sign);

// Parses a signed checkpoint and accepts it only if its origin is `origin`
// and a signature from one of `verifiers` verifies.
std::expected<Checkpoint, std::string> open_checkpoint(std::string_view note, std::string_view origin,
                                                      std::span<const NoteVerifier> verifiers);

}  // namespace mandate::ledger
