#pragma once
// Proof of possession: a DPoP proof (RFC 9449), a JWT with header typ
// "dpop+jwt", alg EdDSA or ES256 and the presenter's public key in "jwk";
// claims jti, iat, htm, htu and ath (base64url SHA-256 of the mandate token).
// Two profiles say what htm and htu name (ProofProfile): the HTTP request
// the proof came with, as RFC 9449 has it, or, for an executor that acts
// without an HTTP request, the action and the resource.
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

// What a proof's htm and htu must name.
enum class ProofProfile {
  // RFC 9449 as written: htm is the HTTP method of the request the proof
  // came with (exact, methods are case-sensitive) and htu its URI,
  // compared after RFC 3986 syntax- and scheme-based normalisation,
  // ignoring query and fragment (RFC 9449 §4.3).
  http,
  // mandate's action profile, for executors that act without an HTTP
  // request (a deploy job, a CLI): htm is the action and htu the resource,
  // each compared exactly, as core::Scope compares them.
  action,
};

// jti: 16 random bytes (base64url); iat: `now` in whole seconds. `htm` and
// `htu` as the profile in use has them.
std::string make_proof(const PrivateKey& key, std::string_view token, std::string_view htm, std::string_view htu,
                       core::Timestamp now);

// An http(s) URI as RFC 9449 compares htu: scheme and host in lower case,
// the scheme's default port dropped, an empty path as "/", percent-encoded
// unreserved characters decoded and other percent-encodings in upper case,
// query and fragment removed. nullopt when it is not an absolute http or
// https URI with a host.
std::optional<std::string> normalize_http_uri(std::string_view uri);

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
  htm,        // htm is not the HTTP method (or, in the action profile, the action)
  htu,        // htu is not the HTTP URI (or, in the action profile, the resource)
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
  // access_token_hash(token), when the caller has hashed the token already.
  std::optional<std::string> token_ath{};
  ProofProfile profile = ProofProfile::action;
};

// `htm` and `htu` are what the proof must name under options.profile: in
// the http profile the request's method and URI (the URI normalised here).
std::expected<VerifiedProof, ProofRejection> verify_proof(std::string_view proof, std::string_view token,
                                                          std::string_view expected_jkt, std::string_view htm,
                                                          std::string_view htu, const ProofOptions& options);

// base64url SHA-256 of the token: the proof's "ath".
std::string access_token_hash(std::string_view token);

}  // namespace mandate::token
