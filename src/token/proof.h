#pragma once
// Proof of possession in the shape of DPoP (RFC 9449): a JWT with header
// typ "dpop+jwt", alg EdDSA or ES256 and the presenter's public key in "jwk";
// claims jti, iat, htm, htu and ath (base64url SHA-256 of the mandate token).
// mandate binds a proof to one action on one resource: "htm" carries the
// action and "htu" the resource, each compared exactly.
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "token/private_key.h"

namespace mandate::token {

// Length bounds of a proof's jti: a 128-bit random value is 22 base64url
// characters; the bounds also admit UUIDs and hex, and keep replay-cache
// keys small.
inline constexpr std::size_t kMinProofJti = 16;
inline constexpr std::size_t kMaxProofJti = 256;

// jti: 16 random bytes (base64url); iat: `now` in whole seconds.
std::string make_proof(const PrivateKey& key, std::string_view token, std::string_view action,
                       std::string_view resource, core::Timestamp now);

// The checks verify_proof runs, in this order.
enum class ProofCheck {
  missing,    // no proof at all
  format,     // not a compact JWS with the claims a proof has
  algorithm,  // alg is not EdDSA or ES256
  type,       // typ is not dpop+jwt
  key,        // "jwk" missing, malformed, private, or not for this alg
  signature,
  binding,    // the jwk's thumbprint is not the mandate's cnf.jkt
  token,      // ath is not the hash of this token
  action,     // htm is not the action
  resource,   // htu is not the resource
  freshness,  // iat too old or in the future
};
std::string_view to_string(ProofCheck check);

// `reason` never contains the proof, the token or a value read from them.
struct ProofRejection {
  ProofCheck check;
  std::string reason;
};

struct VerifiedProof {
  std::string jti;  // for the caller's replay check: mandate remembers jti values in the store
  core::Timestamp issued_at{};
  std::string thumbprint;
};

struct ProofOptions {
  core::Timestamp now{};
  std::chrono::seconds max_age{60};  // oldest accepted iat: now - max_age - skew
  std::chrono::seconds skew{5};      // newest accepted iat: now + skew
  // The executor's registered public key, when the caller has it. A proof
  // whose jwk is this very key is verified with it, which saves building an
  // OpenSSL key from the JWK on every call (for P-256 that is as costly as
  // the signature check). It decides nothing: binding is still checked
  // against expected_jkt, and any other jwk is parsed as usual.
  std::optional<PublicKey> registered_key{};
};

std::expected<VerifiedProof, ProofRejection> verify_proof(std::string_view proof, std::string_view token,
                                                          std::string_view expected_jkt, std::string_view action,
                                                          std::string_view resource, const ProofOptions& options);

// base64url SHA-256 of the token: the proof's "ath".
std::string access_token_hash(std::string_view token);

}  // namespace mandate::token
