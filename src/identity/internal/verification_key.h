#pragma once
// Private to the identity module: the build defines MANDATE_INSIDE_IDENTITY only for src/identity/ and tests/identity/.
#ifndef MANDATE_INSIDE_IDENTITY
#error "this header is internal to the identity module; include a public identity/ header instead"
#endif
// Keys that identity providers publish in their JWKS, and the JWS algorithms
// mandate verifies with them. The token module accepts only EdDSA and ES256
// (mandate's own keys); identity providers sign with RSA by default, so this
// adds RSA here without widening what the token module accepts.
//
// The key fixes the algorithm: an RSA key without an "alg" member verifies
// RS256 only (the OpenID Connect default), an RSA key whose "alg" names
// another RS*/PS* algorithm verifies that one only, an EC P-256 key ES256,
// an Ed25519 key EdDSA. "none", HS* and anything else are never accepted.
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mandate::identity {

enum class JwsAlgorithm { RS256, RS384, RS512, PS256, PS384, PS512, ES256, EdDSA };
std::string_view to_string(JwsAlgorithm algorithm);
std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view alg);

// RSA moduli shorter than this are refused (RFC 7518 §3.3 requires 2048).
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

class VerificationKey {
 public:
  // One member of a JWKS "keys" array: kty RSA (n, e), EC P-256 or OKP
  // Ed25519. A JWK with private members, "use" other than "sig" or an "alg"
  // that does not fit its type is refused. Errors never quote values.
  static std::expected<VerificationKey, std::string> from_jwk(const nlohmann::json& jwk);

  const std::string& kid() const { return kid_; }
  JwsAlgorithm algorithm() const { return algorithm_; }
  // `signature` in JOSE form (RSA: modulus-sized; ES256: r||s). Anything that
  // does not verify is false, never an exception.
  bool verify(std::string_view signing_input, std::string_view signature) const;

  struct State;  // the OpenSSL key, shared between copies

 private:
  VerificationKey(std::string kid, JwsAlgorithm algorithm, std::shared_ptr<const State> state);
  std::string kid_;
  JwsAlgorithm algorithm_;
  std::shared_ptr<const State> state_;
};

// A JWKS document: {"keys":[…]}. Keys mandate cannot use for verification
// ("use":"enc", unsupported types or curves, short RSA moduli) are skipped, as
// RFC 7517 §5 asks; a malformed document or one with no usable key is an
// error.
std::expected<std::vector<VerificationKey>, std::string> parse_jwks(std::string_view json);

}  // namespace mandate::identity
