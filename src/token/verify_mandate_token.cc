// verify_mandate_token: the checks in TokenCheck order. Each step reads only
// what it checks, so the first failure names the right check; claims are
// read only after the signature has been verified.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "keys/jwk.h"
#include "token/internal/claims_wire.h"
#include "token/jws.h"
#include "token/mandate_token.h"

namespace mandate::token {
namespace {

using Json = nlohmann::json;
using Result = std::expected<MandateClaims, TokenRejection>;

std::unexpected<TokenRejection> reject(TokenCheck check, std::string reason) {
  return std::unexpected(TokenRejection{check, std::move(reason)});
}

std::expected<PublicKey, TokenRejection> find_key(const Json& header, const KeyLookup& lookup) {
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) return reject(TokenCheck::key_id, "the header has no string \"kid\"");
  const std::string& id = kid->get_ref<const std::string&>();
  auto key = lookup(id);
  if (!key) {
    // A kid is a public thumbprint: safe to name when it has that shape.
    return reject(TokenCheck::key_id, keys::looks_like_kid(id) ? "no issuer key has kid " + id
                                                               : std::string("the kid names no issuer key"));
  }
  if (key->algorithm() != Algorithm::EdDSA) return reject(TokenCheck::key_id, "the kid names a key that is not Ed25519");
  return std::move(*key);
}

std::expected<void, TokenRejection> check_time(const Json& payload, const VerifyOptions& options,
                                               MandateClaims& claims) {
  auto iat = detail::read_numeric_date(payload, "iat");
  auto nbf = detail::read_numeric_date(payload, "nbf");
  auto exp = detail::read_numeric_date(payload, "exp");
  for (const auto* date : {&iat, &nbf, &exp}) {
    if (!*date) return reject(TokenCheck::time, date->error());
  }
  if (*nbf >= *exp) return reject(TokenCheck::time, "the token's nbf is not before its exp");
  if (options.now >= *exp + options.skew) return reject(TokenCheck::time, "the token has expired");
  if (options.now + options.skew < *nbf) return reject(TokenCheck::time, "the token is not valid yet (nbf)");
  if (options.now + options.skew < *iat) return reject(TokenCheck::time, "the token was issued in the future (iat)");
  claims.issued_at = *iat;
  claims.not_before = *nbf;
  claims.expires_at = *exp;
  return {};
}

}  // namespace

Result verify_mandate_token(std::string_view token, const KeyLookup& lookup, const VerifyOptions& options) {
  auto jws = decode_compact_checked(token);
  if (!jws) {
    return reject(jws.error().fault == JwsFault::algorithm ? TokenCheck::algorithm : TokenCheck::format,
                  std::move(jws.error().message));
  }
  if (jws->algorithm != Algorithm::EdDSA) return reject(TokenCheck::algorithm, "a mandate token is signed with EdDSA");

  const auto typ = jws->header.find("typ");
  if (typ == jws->header.end() || !typ->is_string() || !media_type_is(typ->get_ref<const std::string&>(), "at+jwt")) {
    return reject(TokenCheck::type, "the header's typ is not at+jwt");
  }
  auto key = find_key(jws->header, lookup);
  if (!key) return std::unexpected(std::move(key.error()));
  if (!key->verify(jws->signing_input, jws->signature)) return reject(TokenCheck::signature, "the signature is not valid");

  const Json& payload = jws->payload;
  MandateClaims claims;
  const auto iss = payload.find("iss");
  if (iss == payload.end() || *iss != options.issuer) return reject(TokenCheck::issuer, "the token's iss is not this issuer");
  auto audience = detail::read_audience(payload);
  if (!audience) return reject(TokenCheck::audience, audience.error());
  if (options.audience && std::ranges::find(*audience, *options.audience) == audience->end()) {
    return reject(TokenCheck::audience, "the token's aud does not name this audience");
  }
  if (auto ok = check_time(payload, options, claims); !ok) return std::unexpected(std::move(ok.error()));
  claims.issuer = options.issuer;
  claims.audience = std::move(*audience);
  if (auto ok = detail::read_claims(payload, claims); !ok) return reject(TokenCheck::claims, ok.error());
  if (auto ok = validate_claims(claims); !ok) return reject(TokenCheck::claims, ok.error());
  return claims;
}

}  // namespace mandate::token
