#pragma once
// C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys
// (signature type 0x01). A note is UTF-8 text ending in a newline, a blank
// line, then one line per signature: "— <name> <base64(keyhash || sig)>".
#include <cstdint>
#include <functional>
#include <span>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"

namespace mandate::ledger {

struct NoteSignature {
  std::string name;
  std::uint32_t key_hash = 0;
  std::string signature;  // raw signature bytes
};

struct SignedNote {
  std::string text;  // ends with '\n'; what the signatures cover
  std::vector<NoteSignature> signatures;
};

std::expected<SignedNote, std::string> parse_signed_note(std::string_view note);
std::string format_signed_note(const SignedNote& note);

// A key name is non-empty UTF-8 without whitespace or '+'.
bool valid_key_name(std::string_view name);

// SHA-256(name || "\n" || type || public key), first four bytes, big-endian:
// the key ID of an Ed25519 key of signature `type` (0x01 note signatures,
// 0x04 cosignature/v1).
std::uint32_t note_key_id(std::string_view name, std::uint8_t type, const crypto::Ed25519PublicKey& key);
// The key ID of a note-signing (type 0x01) key.
std::uint32_t note_key_hash(std::string_view name, const crypto::Ed25519PublicKey& key);

// A vkey of signature `type` that holds a 32-byte Ed25519 key and whose key
// ID is note_key_id of its name and key.
struct Ed25519VerifierKey {
  std::string name;
  crypto::Ed25519PublicKey key{};
};
std::expected<Ed25519VerifierKey, std::string> parse_ed25519_verifier_key(std::string_view vkey, std::uint8_t type);

// A verifier key ("vkey", C2SP signed-note §Verifier keys) of any signature
// type: "<name>+<hex key ID>+<base64(type || public key)>". The key ID is
// checked by whoever knows how the type derives it.
struct VerifierKey {
  std::string name;
  std::uint32_t key_id = 0;
  std::uint8_t type = 0;
  std::vector<std::uint8_t> key;  // the public key material after the type byte
};
std::expected<VerifierKey, std::string> parse_verifier_key(std::string_view vkey);
std::string format_verifier_key(std::string_view name, std::uint32_t key_id, std::uint8_t type,
                                std::span<const std::uint8_t> key);

// The first four bytes of a digest, big-endian: how note key IDs are read.
std::uint32_t key_id_of(std::span<const std::uint8_t> digest);

struct NoteVerifier {
  std::string name;
  std::uint32_t key_hash = 0;
  crypto::Ed25519PublicKey key{};

  static NoteVerifier for_key(std::string name, const crypto::Ed25519PublicKey& key);
  // Parses the vkey form "<name>+<hex key hash>+<base64(0x01 || key)>".
  static std::expected<NoteVerifier, std::string> parse(std::string_view vkey);
  std::string to_string() const;
  bool matches(const NoteSignature& sig) const { return sig.name == name && sig.key_hash == key_hash; }
  bool verify(std::string_view text, const NoteSignature& sig) const;
};

// Signing goes through a function so that keys held elsewhere (a keyring,
// later an HSM) never have to hand out their private bytes.
using SignFunction = std::function<crypto::Ed25519Signature(std::string_view)>;

NoteSignature sign_note_text(std::string_view text, std::string_view name, const crypto::Ed25519PrivateKey& key);
NoteSignature sign_note_text(std::string_view text, std::string_view name, const crypto::Ed25519PublicKey& key,
                             const SignFunction& sign);

}  // namespace mandate::ledger
