#pragma once
// Private to the token module: the build defines MANDATE_INSIDE_TOKEN only for src/token/ and tests/token/.
#ifndef MANDATE_INSIDE_TOKEN
#error "this header is internal to the token module; include a public token/ header instead"
#endif
// Internal: reading the members of a JWK (RFC 7517/7518/8037) that mandate
// accepts, shared by the public and private key parsers.
#include <expected>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "encoding/base64.h"
#include "token/public_key.h"

namespace mandate::token::detail {

struct JwkMembers {
  Algorithm algorithm;  // fixed by kty/crv: OKP/Ed25519 -> EdDSA, EC/P-256 -> ES256
  encoding::Bytes x, y;  // y only for EC
  std::optional<encoding::Bytes> d;
};

// Checks kty, crv, "alg" and "use" and decodes x, y and d (each 32 bytes).
// Messages name the member at fault but never echo a value.
std::expected<JwkMembers, std::string> read_jwk(const nlohmann::json& jwk);

// RFC 7638 §3.2: the required public members in lexicographic order, no
// whitespace — the text a thumbprint hashes.
std::string canonical_public_jwk(Algorithm algorithm, std::span<const std::uint8_t> x,
                                 std::span<const std::uint8_t> y);

}  // namespace mandate::token::detail
