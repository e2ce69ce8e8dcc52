#include "keys/signing_key.h"

#include <nlohmann/json.hpp>

#include "keys/jwk.h"

namespace mandate::keys {

SigningKey::SigningKey(crypto::Ed25519PrivateKey key)
    : key_(std::move(key)), kid_(jwk_thumbprint(key_.public_key())) {}

nlohmann::json SigningKey::public_jwk() const {
  nlohmann::json jwk = public_key_to_jwk(public_key());
  jwk["kid"] = kid_;
  // "EdDSA" rather than RFC 9864's "Ed25519": it is what JWT libraries and
  // OIDC discovery documents understand today, and what our tokens carry.
  jwk["alg"] = "EdDSA";
  jwk["use"] = "sig";
  return jwk;
}

}  // namespace mandate::keys
