#pragma once
// Ed25519 public keys as JSON Web Keys: RFC 8037 (OKP key type) and the
// RFC 7638 thumbprint, which mandate uses as the key id (`kid`) everywhere.
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "crypto/ed25519.h"

namespace mandate::keys {

// {"kty":"OKP","crv":"Ed25519","x":<base64url>} — public members only.
nlohmann::json public_key_to_jwk(const crypto::Ed25519PublicKey& key);

// Reads an Ed25519 public JWK from untrusted input. Refuses another kty or
// crv, an `x` that is not unpadded base64url of exactly 32 bytes, a private
// member `d` (a secret where a public key belongs is a mistake to stop, not
// to ignore), and an `alg` or `use` that says the key is for something other
// than EdDSA signatures. Other members (kid, key_ops, ...) are left alone.
std::expected<crypto::Ed25519PublicKey, std::string> public_key_from_jwk(const nlohmann::json& jwk);
// The same from JSON text, parsed strictly (I-JSON).
std::expected<crypto::Ed25519PublicKey, std::string> public_key_from_jwk_text(std::string_view text);

// RFC 7638 thumbprint: base64url(SHA-256(canonical {"crv","kty","x"})).
// 43 characters; this is the key's `kid`.
std::string jwk_thumbprint(const crypto::Ed25519PublicKey& key);

// Whether `text` has the shape of a thumbprint (43 base64url characters
// decoding to 32 bytes). It says nothing about which key it names.
bool looks_like_kid(std::string_view text);

}  // namespace mandate::keys
