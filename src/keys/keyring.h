#pragma once
// The signing keyring of a mandate home: a directory (HOME/keys) of Ed25519
// private keys, one PKCS#8 PEM file each, named
// `<yyyymmddThhmmssZ>-<seq>-<kid>.pem` (see key_file_name.h).
//
// A key may be staged: its name carries an activation time, before which it
// verifies but does not sign. Several servers holding copies of one keyring
// then all switch to a new key at the same moment, once every copy has it,
// instead of one server signing with a key the others would refuse.
//
// Invariants of a Keyring value:
//   - it holds at least one key, and one that may sign at the time it was
//     loaded; the active key at a time t is the newest (highest sequence)
//     key that may sign at t — one without an activation time, or whose
//     activation time has passed — the others remain for verification;
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

enum class KeyState {
  active,       // signs now
  staged,       // verifies now, signs from its activation time on
  verify_only,  // a newer key signs; verifies what it signed earlier
};

std::string_view to_string(KeyState state);

struct KeyInfo {
  std::string kid;
  std::chrono::sys_seconds created;
  std::uint64_t sequence = 0;
  bool active = false;  // state == KeyState::active
  KeyState state = KeyState::verify_only;
  std::optional<std::chrono::sys_seconds> activates;  // staged keys: when they begin to sign
  // When a newer key took (or is due to take) over signing from this one:
  // the earliest activation among newer keys, a key without an activation
  // time counting from its creation. None while no newer key exists.
  std::optional<std::chrono::sys_seconds> superseded;
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
  // the content's, or two files claiming one sequence number or one key,
  // or when no key may sign yet at `now` (every key staged for later).
  // Temporary files of an interrupted write are ignored.
  static std::expected<Keyring, std::string> open(const std::filesystem::path& dir);
  static std::expected<Keyring, std::string> open(const std::filesystem::path& dir, std::chrono::sys_seconds now);

  const std::filesystem::path& directory() const { return directory_; }

  // The key to sign with at `now`: the newest one that may sign then. (For a
  // `now` before any key may sign, which open() refuses at load time and so
  // only a clock set in the past can ask, the first key due to sign.)
  const SigningKey& active(std::chrono::sys_seconds now) const;
  const SigningKey& active() const;  // at the system clock's now

  // Writes a new key. Without `activate_at`, or with one not later than
  // now, it is active at once; else it is staged: it verifies at once and
  // signs from `activate_at` on. Older keys stay for verification. Returns
  // the new kid. On failure the keyring is unchanged.
  std::expected<std::string, std::string> rotate(std::optional<std::chrono::sys_seconds> activate_at = std::nullopt);

  // Every key, oldest first, with its state at `now`.
  std::vector<KeyInfo> list(std::chrono::sys_seconds now) const;
  std::vector<KeyInfo> list() const;  // at the system clock's now

  // The public key with this kid, active or not.
  std::optional<crypto::Ed25519PublicKey> find(std::string_view kid) const;
  // When a newer key took (or takes) over signing from the key with this
  // kid, as KeyInfo::superseded; nothing for a kid the keyring does not
  // hold. What a decision asks of its mandate's key, without the JWK of
  // every key that list() builds.
  struct Succession {
    std::optional<std::chrono::sys_seconds> superseded;
  };
  std::optional<Succession> succession(std::string_view kid) const;

  // RFC 7517 JWK Set of every key, oldest first: {"keys":[{kty, crv, x, kid,
  // alg, use}, ...]}. Never any private member.
  nlohmann::json jwks() const;

 private:
  struct StoredKey {
    KeyFileName name;
    SigningKey key;
  };

  Keyring(std::filesystem::path directory, std::vector<StoredKey> keys);

  // The earliest time a key newer than keys_[i] signs from.
  std::optional<std::chrono::sys_seconds> superseded(std::size_t i) const;

  // Generates a key with the next sequence number and writes it durably
  // into the directory open (and locked) as `dir_fd`.
  std::expected<std::string, std::string> add_key(int dir_fd, std::uint64_t sequence,
                                                  std::optional<std::chrono::sys_seconds> activates = std::nullopt);

  std::filesystem::path directory_;
  std::vector<StoredKey> keys_;  // ascending sequence number
};

}  // namespace mandate::keys
