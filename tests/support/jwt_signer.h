#pragma once
// An identity provider for tests: an Ed25519 key that signs JWTs (ID tokens,
// JWT-SVIDs) and publishes itself as a JWKS document.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "token/private_key.h"

namespace mandate::testing {

struct JwtSigner {
  token::PrivateKey key = token::PrivateKey::generate(token::Algorithm::EdDSA);
  std::string kid;

  // {"keys": [the public key with kid, alg EdDSA, use sig]}
  std::string jwks() const;
  // A JWT of `claims` with iat now and exp now + lifetime added (claims
  // already present are kept), header {alg EdDSA, kid, typ JWT}.
  std::string sign(nlohmann::json claims, std::chrono::seconds lifetime = std::chrono::minutes(5)) const;
};

}  // namespace mandate::testing
