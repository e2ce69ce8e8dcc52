#include "token/internal/jwk_members.h"

#include <nlohmann/json.hpp>

namespace mandate::token::detail {
namespace {

using Refusal = std::unexpected<std::string>;

std::expected<std::string, std::string> string_member(const nlohmann::json& jwk, const char* name) {
  const auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return Refusal(std::string("the JWK has no string member \"") + name + "\"");
  return it->get<std::string>();
}

std::expected<encoding::Bytes, std::string> coordinate(const nlohmann::json& jwk, const char* name) {
  auto text = string_member(jwk, name);
  if (!text) return Refusal(text.error());
  auto bytes = encoding::base64url_decode(*text);
  if (!bytes) return Refusal(std::string("JWK member \"") + name + "\" is not unpadded base64url");
  if (bytes->size() != 32) {
    return Refusal(std::string("JWK member \"") + name + "\" decodes to " + std::to_string(bytes->size()) +
                   " bytes; 32 are expected");
  }
  return std::move(*bytes);
}

std::expected<Algorithm, std::string> key_type(const nlohmann::json& jwk) {
  auto kty = string_member(jwk, "kty");
  if (!kty) return Refusal(kty.error());
  auto crv = string_member(jwk, "crv");
  if (*kty == "OKP") {
    if (!crv) return Refusal(crv.error());
    if (*crv == "Ed25519") return Algorithm::EdDSA;
    return Refusal("JWK crv is not \"Ed25519\"; the only OKP curve accepted is Ed25519");
  }
  if (*kty == "EC") {
    if (!crv) return Refusal(crv.error());
    if (*crv == "P-256") return Algorithm::ES256;
    return Refusal("JWK crv is not \"P-256\"; the only EC curve accepted is P-256");
  }
  return Refusal("JWK kty is neither \"OKP\" (Ed25519) nor \"EC\" (P-256); mandate accepts only these");
}

// "alg" and "use" are optional, but when present they must not say the key
// is meant for something else.
std::expected<void, std::string> check_intended_use(const nlohmann::json& jwk, Algorithm algorithm) {
  if (const auto alg = jwk.find("alg"); alg != jwk.end()) {
    const bool fits = alg->is_string() && (*alg == to_string(algorithm) ||
                                           (algorithm == Algorithm::EdDSA && *alg == "Ed25519"));
    if (!fits) return Refusal(std::string("JWK member \"alg\" does not name ") + std::string(to_string(algorithm)));
  }
  if (const auto use = jwk.find("use"); use != jwk.end() && *use != "sig") {
    return Refusal("JWK member \"use\" is not \"sig\"");
  }
  return {};
}

}  // namespace

std::expected<JwkMembers, std::string> read_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return Refusal("a JWK must be a JSON object");
  auto algorithm = key_type(jwk);
  if (!algorithm) return Refusal(algorithm.error());
  if (auto ok = check_intended_use(jwk, *algorithm); !ok) return Refusal(ok.error());
  JwkMembers members{*algorithm, {}, {}, std::nullopt};
  auto x = coordinate(jwk, "x");
  if (!x) return Refusal(x.error());
  members.x = std::move(*x);
  if (*algorithm == Algorithm::ES256) {
    auto y = coordinate(jwk, "y");
    if (!y) return Refusal(y.error());
    members.y = std::move(*y);
  }
  if (jwk.contains("d")) {
    auto d = coordinate(jwk, "d");
    if (!d) return Refusal(d.error());
    members.d = std::move(*d);
  }
  return members;
}

std::string canonical_public_jwk(Algorithm algorithm, std::span<const std::uint8_t> x,
                                 std::span<const std::uint8_t> y) {
  if (algorithm == Algorithm::EdDSA) {
    return R"({"crv":"Ed25519","kty":"OKP","x":")" + encoding::base64url_encode(x) + "\"}";
  }
  return R"({"crv":"P-256","kty":"EC","x":")" + encoding::base64url_encode(x) + R"(","y":")" +
         encoding::base64url_encode(y) + "\"}";
}

}  // namespace mandate::token::detail
