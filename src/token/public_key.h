#pragma once
// Public keys of executors and of the keyring, as JOSE sees them: Ed25519
// (JWK kty "OKP", alg "EdDSA") or P-256 (kty "EC", alg "ES256"). Nothing else
// is accepted anywhere, so a verifier never has to decide which algorithms
// are safe: the key type fixes the one algorithm it verifies.
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "crypto/ed25519.h"

namespace mandate::keys {
class SigningKey;
}

namespace mandate::token {

// The JOSE "alg" names.
enum class Algorithm { EdDSA, ES256 };
std::string_view to_string(Algorithm algorithm);
std::optional<Algorithm> parse_algorithm(std::string_view alg);

namespace detail {
struct KeyState;  // the OpenSSL key plus its JWK and thumbprint, computed once
}

// RFC 7638 §3: base64url(SHA-256(text)), where `text` is a JWK's required
// members already in canonical form. PublicKey::thumbprint() is this of
// jwk_json().
std::string jwk_thumbprint(std::string_view canonical_jwk_json);

// Immutable and cheap to copy: copies share one OpenSSL key.
class PublicKey {
 public:
  // Strict: kty/crv/x (and y for EC) present and well-formed, the point on
  // the curve, no private member "d", and "alg"/"use" (when present)
  // consistent with a signing key of this type.
  static std::expected<PublicKey, std::string> from_jwk(std::string_view json);
  static std::expected<PublicKey, std::string> from_jwk(const nlohmann::json& jwk);
  // SubjectPublicKeyInfo ("PUBLIC KEY") PEM.
  static std::expected<PublicKey, std::string> from_pem(std::string_view pem);
  // A JWK (text starting with '{') or a PEM.
  static std::expected<PublicKey, std::string> parse(std::string_view jwk_or_pem);

  static PublicKey from_ed25519(const crypto::Ed25519PublicKey& key);
  // The public half of a keyring key; its thumbprint() is the key's kid.
  static PublicKey from_signing_key(const keys::SigningKey& key);

  Algorithm algorithm() const;
  // RFC 7638 SHA-256 thumbprint, base64url (43 characters): the `cnf.jkt`
  // value and the keyring's kid.
  const std::string& thumbprint() const;
  // Public members only, in RFC 7638 order (the text the thumbprint hashes).
  const std::string& jwk_json() const;
  std::string to_pem() const;

  // `signature` in JOSE form: Ed25519's 64 bytes, or for ES256 the raw r||s
  // (32 + 32 bytes), not DER. Anything else is false, never an exception.
  bool verify(std::string_view signing_input, std::span<const std::uint8_t> signature) const;
  bool verify(std::string_view signing_input, std::string_view signature) const {
    return verify(signing_input, {reinterpret_cast<const std::uint8_t*>(signature.data()), signature.size()});
  }

  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.jwk_json() == b.jwk_json(); }

 private:
  explicit PublicKey(std::shared_ptr<const detail::KeyState> state);
  std::shared_ptr<const detail::KeyState> state_;
};

}  // namespace mandate::token
