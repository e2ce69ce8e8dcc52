#include "keys/jwk.h"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "core/error.h"

namespace mandate::keys {
namespace {

using Error = std::unexpected<std::string>;

// A member that, when present, must be a string with one of the given values.
std::expected<void, std::string> check_optional_member(const nlohmann::json& jwk, const char* name,
                                                       std::initializer_list<std::string_view> allowed) {
  const auto it = jwk.find(name);
  if (it == jwk.end()) return {};
  if (!it->is_string()) return Error(std::string("JWK member \"") + name + "\" is not a string");
  const auto& value = it->get_ref<const std::string&>();
  for (const std::string_view ok : allowed) {
    if (value == ok) return {};
  }
  return Error(std::string("JWK member \"") + name + "\" is \"" + value +
               "\", which is not for Ed25519 signatures");
}

}  // namespace

nlohmann::json public_key_to_jwk(const crypto::Ed25519PublicKey& key) {
  return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", encoding::base64url_encode(key)}};
}

std::expected<crypto::Ed25519PublicKey, std::string> public_key_from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return Error("a JWK must be a JSON object");
  // Checked before anything else so that no later message can echo a secret.
  if (jwk.contains("d")) return Error("the JWK holds a private key (member \"d\"); only public keys are accepted");

  const auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return Error("the JWK has no string member \"kty\"");
  if (*kty != "OKP") return Error("JWK kty is \"" + kty->get<std::string>() + "\", expected \"OKP\"");
  const auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string()) return Error("the JWK has no string member \"crv\"");
  if (*crv != "Ed25519") return Error("JWK crv is \"" + crv->get<std::string>() + "\", expected \"Ed25519\"");

  const auto x = jwk.find("x");
  if (x == jwk.end() || !x->is_string()) return Error("the JWK has no string member \"x\"");
  const auto bytes = encoding::base64url_decode(x->get_ref<const std::string&>());
  if (!bytes) return Error("JWK member \"x\" is not unpadded base64url");
  crypto::Ed25519PublicKey key{};
  if (bytes->size() != key.size()) {
    return Error("JWK member \"x\" decodes to " + std::to_string(bytes->size()) +
                 " bytes; an Ed25519 public key is 32");
  }
  std::copy(bytes->begin(), bytes->end(), key.begin());

  // "Ed25519" is the fully specified name RFC 9864 gives the same algorithm.
  if (auto ok = check_optional_member(jwk, "alg", {"EdDSA", "Ed25519"}); !ok) return Error(ok.error());
  if (auto ok = check_optional_member(jwk, "use", {"sig"}); !ok) return Error(ok.error());
  return key;
}

std::expected<crypto::Ed25519PublicKey, std::string> public_key_from_jwk_text(std::string_view text) {
  auto json = encoding::parse_json_strict(text);
  if (!json) return Error("JWK is not valid JSON: " + json.error());
  return public_key_from_jwk(*json);
}

std::string jwk_thumbprint(const crypto::Ed25519PublicKey& key) {
  // RFC 7638 §3.2: only the required members, in lexicographic order, no
  // whitespace — exactly what JCS produces for these ASCII-only members.
  auto canonical = encoding::canonicalize(public_key_to_jwk(key));
  // Three short ASCII strings always canonicalize; failure is a bug.
  if (!canonical) fail(ErrorKind::internal, "cannot canonicalize a public JWK: " + canonical.error());
  return encoding::base64url_encode(crypto::sha256(*canonical));
}

bool looks_like_kid(std::string_view text) {
  if (text.size() != 43) return false;
  const auto bytes = encoding::base64url_decode(text);
  return bytes && bytes->size() == 32;
}

}  // namespace mandate::keys
