#include "identity/internal/jwt.h"

#include <cmath>

#include "encoding/json.h"
#include "token/jws.h"

namespace mandate::identity {
namespace {

using Refusal = std::unexpected<std::string>;

std::expected<nlohmann::json, std::string> json_object(const std::string& text, const char* part) {
  auto json = encoding::parse_json_strict(text, 32);
  if (!json || !json->is_object()) return Refusal(std::string("the JWT ") + part + " is not a strict JSON object");
  return std::move(*json);
}

std::expected<JwsAlgorithm, std::string> header_algorithm(const nlohmann::json& header) {
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Refusal("the JWT header has no string \"alg\"");
  const auto& name = alg->get_ref<const std::string&>();
  if (name == "none") return Refusal("the JWT is unsecured (\"alg\":\"none\"); a signature is required");
  if (name.starts_with("HS")) {
    return Refusal("the JWT is MACed (HS*), not signed; mandate verifies only public-key signatures");
  }
  const auto algorithm = parse_jws_algorithm(name);
  if (!algorithm) return Refusal("the JWT \"alg\" is not one of RS256/384/512, PS256/384/512, ES256, EdDSA");
  return *algorithm;
}

// NumericDate (RFC 7519 §2): a JSON number of seconds, possibly fractional.
std::expected<std::optional<double>, std::string> date_claim(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>{};
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    return Refusal(std::string("the JWT's \"") + name + "\" is not a NumericDate");
  }
  return std::optional<double>(it->get<double>());
}

bool audience_matches(const nlohmann::json& aud, const std::vector<std::string>& expected) {
  const auto wanted = [&](const nlohmann::json& value) {
    if (!value.is_string()) return false;
    for (const auto& e : expected) {
      if (value == e) return true;
    }
    return false;
  };
  if (aud.is_string()) return wanted(aud);
  if (!aud.is_array()) return false;
  for (const auto& value : aud) {
    if (wanted(value)) return true;
  }
  return false;
}

std::expected<void, std::string> check_times(const nlohmann::json& claims, const ClaimRules& rules) {
  const double now = std::chrono::duration<double>(rules.now.time_since_epoch()).count();
  const auto skew = static_cast<double>(rules.skew.count());
  auto exp = date_claim(claims, "exp");
  if (!exp) return Refusal(exp.error());
  if (!*exp) return Refusal("the JWT has no \"exp\"; tokens without an expiry are refused");
  if (now >= **exp + skew) return Refusal("the JWT has expired");
  auto nbf = date_claim(claims, "nbf");
  if (!nbf) return Refusal(nbf.error());
  if (*nbf && now < **nbf - skew) return Refusal("the JWT is not valid yet (nbf is in the future)");
  auto iat = date_claim(claims, "iat");
  if (!iat) return Refusal(iat.error());
  if (!*iat && rules.require_iat) return Refusal("the JWT has no \"iat\"");
  if (*iat && **iat > now + skew) return Refusal("the JWT was issued in the future (iat)");
  return {};
}

}  // namespace

std::expected<UnverifiedJwt, std::string> parse_jwt(std::string_view compact) {
  auto parts = token::split_compact(compact, kMaxJwtSize);
  if (!parts) return Refusal(parts.error());
  auto header = json_object(parts->header_json, "header");
  if (!header) return Refusal(header.error());
  auto algorithm = header_algorithm(*header);
  if (!algorithm) return Refusal(algorithm.error());
  if (header->contains("crit")) return Refusal("the JWT header has \"crit\"; mandate understands no JWS extension");
  const auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
    return Refusal("the JWT header has no \"kid\" naming its signing key");
  }
  std::optional<std::string> typ;
  if (const auto t = header->find("typ"); t != header->end()) {
    if (!t->is_string()) return Refusal("the JWT header's \"typ\" is not a string");
    typ = t->get<std::string>();
  }
  auto claims = json_object(parts->payload, "claims set");
  if (!claims) return Refusal(claims.error());
  return UnverifiedJwt{*algorithm, kid->get<std::string>(), std::move(typ), std::move(*claims),
                       std::move(parts->signing_input), std::move(parts->signature)};
}

std::expected<void, std::string> check_claims(const nlohmann::json& claims, const ClaimRules& rules) {
  if (rules.issuer && string_claim(claims, "iss") != *rules.issuer) return Refusal("the JWT's \"iss\" is not the expected issuer");
  const auto aud = claims.find("aud");
  if (aud == claims.end() || !audience_matches(*aud, rules.audiences)) {
    return Refusal("the JWT's \"aud\" does not name mandate's audience for this issuer");
  }
  if (auto times = check_times(claims, rules); !times) return times;
  const auto sub = string_claim(claims, "sub");
  if (!sub || sub->empty()) return Refusal("the JWT has no \"sub\"");
  return {};
}

std::optional<std::string> string_claim(const nlohmann::json& claims, std::string_view name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace mandate::identity
