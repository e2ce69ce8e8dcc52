#pragma once
// Private to the token module: the build defines MANDATE_INSIDE_TOKEN only for src/token/ and tests/token/.
#ifndef MANDATE_INSIDE_TOKEN
#error "this header is internal to the token module; include a public token/ header instead"
#endif
// Internal to the token module: OpenSSL keys under RAII, built from and read
// back as the raw JWK coordinates, and JOSE-form signing and verification.
#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "crypto/openssl_ptr.h"
#include "token/public_key.h"

namespace mandate::token::detail {

using crypto::Pkey;

using Coordinate = std::array<std::uint8_t, 32>;  // Ed25519 x, P-256 x/y/d

struct KeyState {
  Pkey pkey;
  Algorithm algorithm;
  std::string jwk_json;    // RFC 7638 canonical public JWK
  std::string thumbprint;  // base64url(SHA-256(jwk_json))
  Coordinate ed25519{};    // an EdDSA key's raw bytes, verified by crypto::ed25519_verify
};

// Which of our two key types `pkey` is, or an error for anything else.
std::expected<Algorithm, std::string> algorithm_of(EVP_PKEY* pkey);
// Computes the JWK and thumbprint of a key that algorithm_of accepts.
std::shared_ptr<const KeyState> make_key_state(Pkey pkey, Algorithm algorithm);

// Whether raw Ed25519 bytes are a key anyone could hold
// (crypto::ed25519_public_key_is_valid); ed25519_public refuses the others.
bool usable_ed25519(std::span<const std::uint8_t> x);
inline constexpr const char* kUnusableEd25519 =
    "not a usable Ed25519 public key: a point of small order, off the curve's prime-order subgroup or "
    "non-canonically encoded verifies no signature";

std::expected<Pkey, std::string> ed25519_public(std::span<const std::uint8_t> x);
std::expected<Pkey, std::string> ed25519_private(std::span<const std::uint8_t> d);
// Refuses points that are not on P-256.
std::expected<Pkey, std::string> p256_public(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y);
// Refuses a `d` that does not belong to (x, y).
std::expected<Pkey, std::string> p256_private(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y,
                                              std::span<const std::uint8_t> d);

Pkey generate_pkey(Algorithm algorithm);
std::expected<Pkey, std::string> read_public_pem(std::string_view pem);
std::expected<Pkey, std::string> read_private_pem(std::string_view pem);
std::string write_public_pem(EVP_PKEY* pkey);
std::string write_private_pem(EVP_PKEY* pkey);

// JOSE signatures (RFC 7515 §A.3.1 for ES256: r||s, each 32 bytes big-endian).
// PublicKey::verify takes EdDSA to crypto::ed25519_verify instead of jose_verify.
std::string jose_sign(EVP_PKEY* pkey, Algorithm algorithm, std::string_view signing_input);
bool jose_verify(EVP_PKEY* pkey, Algorithm algorithm, std::string_view signing_input,
                 std::span<const std::uint8_t> signature);

}  // namespace mandate::token::detail
