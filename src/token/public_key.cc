#include "token/public_key.h"

#include <nlohmann/json.hpp>

#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "keys/signing_key.h"
#include "token/internal/jwk_members.h"
#include "token/internal/openssl_key.h"
#include "core/error.h"

namespace mandate::token {
namespace {

using Refusal = std::unexpected<std::string>;

bool looks_like_json(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

}  // namespace

std::string_view to_string(Algorithm algorithm) {
  return algorithm == Algorithm::EdDSA ? "EdDSA" : "ES256";
}

std::optional<Algorithm> parse_algorithm(std::string_view alg) {
  // RFC 9864's fully-specified name for EdDSA over Ed25519, which newer
  // JOSE libraries (e.g. npm's dpop) write; the same algorithm here.
  if (alg == "EdDSA" || alg == "Ed25519") return Algorithm::EdDSA;
  if (alg == "ES256") return Algorithm::ES256;
  return std::nullopt;
}

std::string jwk_thumbprint(std::string_view canonical_jwk_json) {
  return encoding::base64url_encode(crypto::sha256(canonical_jwk_json));
}

PublicKey::PublicKey(std::shared_ptr<const detail::KeyState> state) : state_(std::move(state)) {}

std::expected<PublicKey, std::string> PublicKey::from_jwk(const nlohmann::json& jwk) {
  // Checked first, so that no later message can be about a secret.
  if (jwk.is_object() && jwk.contains("d")) {
    return Refusal("the JWK holds a private key (member \"d\"); only public keys are accepted here");
  }
  auto members = detail::read_jwk(jwk);
  if (!members) return Refusal(members.error());
  auto pkey = members->algorithm == Algorithm::EdDSA ? detail::ed25519_public(members->x)
                                                     : detail::p256_public(members->x, members->y);
  if (!pkey) return Refusal(pkey.error());
  return PublicKey(detail::make_key_state(std::move(*pkey), members->algorithm));
}

std::expected<PublicKey, std::string> PublicKey::from_jwk(std::string_view json) {
  auto parsed = encoding::parse_json_strict(json, 8);
  if (!parsed) return Refusal("the JWK is not valid JSON: " + parsed.error());
  return from_jwk(*parsed);
}

std::expected<PublicKey, std::string> PublicKey::from_pem(std::string_view pem) {
  auto pkey = detail::read_public_pem(pem);
  if (!pkey) return Refusal(pkey.error());
  auto algorithm = detail::algorithm_of(pkey->get());
  if (!algorithm) return Refusal(algorithm.error());
  auto state = detail::make_key_state(std::move(*pkey), *algorithm);
  if (*algorithm == Algorithm::EdDSA && !detail::usable_ed25519(state->ed25519)) return Refusal(detail::kUnusableEd25519);
  return PublicKey(std::move(state));
}

std::expected<PublicKey, std::string> PublicKey::parse(std::string_view jwk_or_pem) {
  return looks_like_json(jwk_or_pem) ? from_jwk(jwk_or_pem) : from_pem(jwk_or_pem);
}

PublicKey PublicKey::from_ed25519(const crypto::Ed25519PublicKey& key) {
  auto pkey = detail::ed25519_public(key);
  // Called with keys made here (signing keys), which are always usable.
  if (!pkey) fail(ErrorKind::internal, pkey.error());
  return PublicKey(detail::make_key_state(std::move(*pkey), Algorithm::EdDSA));
}

PublicKey PublicKey::from_signing_key(const keys::SigningKey& key) { return from_ed25519(key.public_key()); }

Algorithm PublicKey::algorithm() const { return state_->algorithm; }
const std::string& PublicKey::thumbprint() const { return state_->thumbprint; }
const std::string& PublicKey::jwk_json() const { return state_->jwk_json; }
std::string PublicKey::to_pem() const { return detail::write_public_pem(state_->pkey.get()); }

bool PublicKey::verify(std::string_view signing_input, std::span<const std::uint8_t> signature) const {
  if (state_->algorithm == Algorithm::EdDSA) return crypto::ed25519_verify(state_->ed25519, signing_input, signature);
  return detail::jose_verify(state_->pkey.get(), state_->algorithm, signing_input, signature);
}

}  // namespace mandate::token
