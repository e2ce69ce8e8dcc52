#pragma once
// Private to the token module: the build defines MANDATE_INSIDE_TOKEN only for src/token/ and tests/token/.
#ifndef MANDATE_INSIDE_TOKEN
#error "this header is internal to the token module; include a public token/ header instead"
#endif
// Internal: MandateClaims to and from the JWT claims set.
#include <expected>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "token/mandate_token.h"

namespace mandate::token::detail {

// Limits the nesting of "act" claims a token may carry (depth + 1 levels).
inline constexpr std::size_t kMaxActChain = 16;
// Bounds the resource servers one token names.
inline constexpr std::size_t kMaxAudiences = 16;

// The claims set of validated claims, as compact JSON text. Written
// directly rather than through a JSON DOM: issuing is measured against raw
// Ed25519 signing, and building the DOM cost more than the rest together.
// Throws mandate::Error(bad_input) when an `extra` of the scope cannot be
// merged.
std::string claims_to_payload(const MandateClaims& claims);

// Fills everything but iss, aud, iat, nbf and exp (which verification checks
// earlier, each in its own step) from the payload; errors name the claim.
// "sub" must be the chain's initiator and "client_id" the outermost "act".
std::expected<void, std::string> read_claims(const nlohmann::json& payload, MandateClaims& out);

// NumericDate (integer seconds since the epoch, 0 through year 9999).
std::expected<core::Timestamp, std::string> read_numeric_date(const nlohmann::json& payload, const char* name);
std::int64_t to_numeric_date(core::Timestamp t);

// "aud" as a string or a non-empty array of strings (RFC 7519 §4.1.3).
std::expected<std::vector<std::string>, std::string> read_audience(const nlohmann::json& payload);

}  // namespace mandate::token::detail
