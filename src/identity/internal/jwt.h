#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// Internal: a JWT presented to mandate by a caller, read strictly and checked
// in two steps — the header (algorithm, kid) before a key is looked up, the
// registered claims after the signature has been verified.
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/internal/verification_key.h"

namespace mandate::identity {

// ID tokens carrying many groups can be large; beyond this nothing is parsed.
inline constexpr std::size_t kMaxJwtSize = 32 * 1024;

struct UnverifiedJwt {
  JwsAlgorithm algorithm;
  std::string kid;
  std::optional<std::string> typ;
  nlohmann::json claims;  // a JSON object; not to be trusted before verify_signature
  std::string signing_input;
  std::string signature;
};

// Compact JWS with strict base64url and I-JSON (token::split_compact), "alg"
// one of VerificationKey's algorithms ("none" and HS* refused by name), no
// "crit", a non-empty string "kid". Errors never quote the token.
std::expected<UnverifiedJwt, std::string> parse_jwt(std::string_view compact);

struct ClaimRules {
  std::optional<std::string> issuer;     // "iss" must equal it; nullopt: not checked (JWT-SVID)
  std::vector<std::string> audiences;    // "aud" (string or array) must hold one of them
  std::chrono::system_clock::time_point now;
  std::chrono::seconds skew{30};
  bool require_iat = false;
};

// iss, aud, exp (required), nbf and iat (numbers when present):
// nbf - skew <= now < exp + skew, iat <= now + skew; "sub" a non-empty string.
std::expected<void, std::string> check_claims(const nlohmann::json& claims, const ClaimRules& rules);

// A string claim, or nullopt when absent or not a string.
std::optional<std::string> string_claim(const nlohmann::json& claims, std::string_view name);

}  // namespace mandate::identity
