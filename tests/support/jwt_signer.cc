#include "support/jwt_signer.h"

#include "token/jws.h"

namespace mandate::testing {

std::string JwtSigner::jwks() const {
  auto jwk = nlohmann::json::parse(key.public_key().jwk_json());
  jwk["kid"] = kid;
  jwk["alg"] = "EdDSA";
  jwk["use"] = "sig";
  return nlohmann::json{{"keys", {jwk}}}.dump();
}

std::string JwtSigner::sign(nlohmann::json claims, std::chrono::seconds lifetime) const {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  claims.emplace("iat", now);
  claims.emplace("exp", now + lifetime.count());
  return token::encode_compact({{"alg", "EdDSA"}, {"kid", kid}, {"typ", "JWT"}}, claims,
                               [this](std::string_view input) { return key.sign(input); });
}

}  // namespace mandate::testing
