#pragma once
// One Ed25519 private key of the keyring, known by its kid.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "crypto/ed25519.h"

namespace mandate::keys {

class SigningKey {
 public:
  explicit SigningKey(crypto::Ed25519PrivateKey key);

  // RFC 7638 thumbprint of the public key.
  const std::string& kid() const { return kid_; }
  const crypto::Ed25519PublicKey& public_key() const { return key_.public_key(); }

  crypto::Ed25519Signature sign(std::span<const std::uint8_t> message) const { return key_.sign(message); }
  crypto::Ed25519Signature sign(std::string_view message) const { return key_.sign(message); }

  // The key as a JWKS member: kty, crv, x, kid, "alg":"EdDSA", "use":"sig".
  // Public members only.
  nlohmann::json public_jwk() const;

 private:
  crypto::Ed25519PrivateKey key_;  // declared first: kid_ is derived from it
  std::string kid_;
};

}  // namespace mandate::keys
