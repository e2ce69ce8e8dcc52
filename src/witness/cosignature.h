#pragma once
// C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519
// type (cosignature/v1): a witness's timestamped statement that a checkpoint
// is the largest consistent tree head it has seen for that log.
//
// A cosignature is a note signature whose key ID is
// SHA-256(name || "\n" || 0x04 || key)[:4] and whose bytes are an 8-byte
// big-endian POSIX timestamp followed by an Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" || the checkpoint's note text.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "ledger/note.h"

namespace mandate::witness {

inline constexpr std::uint8_t kCosignatureV1Type = 0x04;

std::uint32_t cosigner_key_id(std::string_view name, const crypto::Ed25519PublicKey& key);

// The exact bytes a cosignature/v1 signs.
std::string cosigned_message(std::string_view checkpoint_text, std::uint64_t timestamp);

// A cosigner's public identity: what a log, a verifier or a policy is
// configured with. Its vkey form is "<name>+<hex key ID>+base64(0x04 || key)".
struct Cosigner {
  std::string name;
  std::uint32_t key_id = 0;
  crypto::Ed25519PublicKey key{};

  static Cosigner for_key(std::string name, const crypto::Ed25519PublicKey& key);
  static std::expected<Cosigner, std::string> parse(std::string_view vkey);
  std::string to_string() const;

  bool matches(const ledger::NoteSignature& sig) const { return sig.name == name && sig.key_hash == key_id; }
  // The cosignature's timestamp if `sig` is this cosigner's valid
  // cosignature over `checkpoint_text`; why not otherwise.
  std::expected<std::uint64_t, std::string> verify(std::string_view checkpoint_text,
                                                   const ledger::NoteSignature& sig) const;
};

// Cosigns a checkpoint's note text (without its signature lines) at `timestamp`.
ledger::NoteSignature cosign(std::string_view checkpoint_text, std::string_view name,
                             const crypto::Ed25519PrivateKey& key, std::uint64_t timestamp);

}  // namespace mandate::witness
