#pragma once
// The signing keyring of a mandate home: a directory (HOME/keys) of Ed25519
// private keys, one PKCS#8 PEM file each, named
// `<yyyymmddThhmmssZ>-<seq>-<kid>.pem` (see key_file_name.h).
//
// Invariants of a Keyring value:
//   - it holds at least one key; the one with the highest sequence number is
//     active, the others remain for verifying what they signed earlier;
//   - every key was read from (or written to) a regular 0600 file owned by
//     this user, whose name's kid is the thumbprint of the key it holds.
// Keys are never deleted here: retiring a key is a separate decision.
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "keys/key_file_name.h"
#include "keys/signing_key.h"

namespace mandate::keys {

struct KeyInfo {
  std::string kid;
  std::chrono::sys_seconds created;
  std::uint64_t sequence = 0;
  bool active = false;
  nlohmann::json public_jwk;  // as in jwks(): no private members
};

class Keyring {
 public:
  // Makes `dir` (mode 0700; its parent must exist, `dir` must not) and a
  // first key in it. On failure nothing is left behind.
  static std::expected<Keyring, std::string> create(const std::filesystem::path& dir);

  // Loads every key in `dir`. Refuses the whole keyring — rather than skip a
  // key, which would silently change the active one — when the directory is
  // missing, writable by group or others, or empty, or when any entry is not
  // a key file: a name of another form, a file reachable by group or others,
  // content that is not an Ed25519 PKCS#8 PEM, a kid in the name that is not
  // the content's, or two files claiming one sequence number or one key.
  // Temporary files of an interrupted write are ignored.
  static std::expected<Keyring, std::string> open(const std::filesystem::path& dir);

  const std::filesystem::path& directory() const { return directory_; }

  // The newest key: the one to sign with.
  const SigningKey& active() const { return keys_.back().key; }

  // Writes a new key, which becomes active; older keys stay for
  // verification. Returns the new kid. On failure the keyring is unchanged.
  std::expected<std::string, std::string> rotate();

  // Every key, oldest first.
  std::vector<KeyInfo> list() const;

  // The public key with this kid, active or not.
  std::optional<crypto::Ed25519PublicKey> find(std::string_view kid) const;

  // RFC 7517 JWK Set of every key, oldest first: {"keys":[{kty, crv, x, kid,
  // alg, use}, ...]}. Never any private member.
  nlohmann::json jwks() const;

 private:
  struct StoredKey {
    KeyFileName name;
    SigningKey key;
  };

  Keyring(std::filesystem::path directory, std::vector<StoredKey> keys);

  // Generates a key with the next sequence number and writes it durably
  // into the directory open (and locked) as `dir_fd`.
  std::expected<std::string, std::string> add_key(int dir_fd, std::uint64_t sequence);

  std::filesystem::path directory_;
  std::vector<StoredKey> keys_;  // ascending sequence number; back() is active
};

}  // namespace mandate::keys
