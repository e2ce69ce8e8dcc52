// JWS/JWT text from an attacker: a bearer ID token, a mandate token, a DPoP
// proof (compact JWS), or a JWKS document / JWK (text starting with '{').
// Input holding a NUL byte is "header JSON \0 payload \0 signature", which
// the target encodes into a compact JWS: mutations of base64url text mostly
// break the JSON inside, mutations of the raw parts reach what lies behind.
// Every reader of it runs: token::split_compact and decode_compact, the
// identity module's parse_jwt and check_claims, verify_mandate_token and
// verify_proof (each also on the input re-signed with the fixture's key, so
// that claims parsing behind the signature check is reached), and for JSON
// identity's parse_jwks and token's JWK readers. Invariants beyond "no
// crash" abort.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "encoding/json.h"
#include "identity/fuzz/jwt_fuzz_fixture.h"
#include "identity/internal/jwt.h"
#include "identity/internal/verification_key.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token/proof.h"

namespace {

namespace token = mandate::token;
namespace identity = mandate::identity;
namespace encoding = mandate::encoding;
using mandate::identity::fuzz::fixture;

void require(bool holds) {
  if (!holds) std::abort();
}

std::string b64(std::string_view bytes) { return encoding::base64url_encode(bytes); }

// Refusals never quote the token: no decoded header or payload of some
// length shows up in a reason. Only parts holding a '{', which no reason's
// own words do: libFuzzer learns the reasons' words and offers a payload
// "is not a strict JSON ", which a reason holds without quoting anything.
void quotes_nothing(const std::string& reason, const token::CompactParts& parts) {
  require(!reason.empty());
  for (const std::string* part : {&parts.header_json, &parts.payload}) {
    if (part->size() >= 12 && part->find('{') != std::string::npos) require(reason.find(*part) == std::string::npos);
  }
}

// A JWKS document, or one JWK (public or private).
void check_json(std::string_view text) {
  if (auto keys = identity::parse_jwks(text)) {
    require(!keys->empty());
    for (const auto& key : *keys) require(!key.verify("a.b", std::string(64, '\0')));
  }
  if (auto key = token::PublicKey::from_jwk(text)) {
    require(key->thumbprint().size() == 43);
    // The canonical JWK reads back as the same key.
    auto again = token::PublicKey::from_jwk(std::string_view(key->jwk_json()));
    require(again && *again == *key && again->thumbprint() == key->thumbprint());
    require(!key->verify("a.b", std::string(64, '\0')));
  }
  if (auto key = token::PrivateKey::parse(text)) {
    const std::string signature = key->sign("a.b");
    require(key->public_key().verify("a.b", signature));
  }
}

// The mandate-token verifier on `compact`; what it accepts is a valid claims
// set that issues again into a token verifying to the same claims.
std::expected<token::MandateClaims, token::TokenRejection> check_mandate_token(std::string_view compact) {
  const auto& f = fixture();
  const auto lookup = [&](std::string_view kid) -> std::optional<token::PublicKey> {
    if (kid == f.broker.kid()) return token::PublicKey::from_signing_key(f.broker);
    return std::nullopt;
  };
  const token::VerifyOptions options{mandate::identity::fuzz::kIssuer, std::nullopt, mandate::identity::fuzz::fuzz_now(),
                                     std::chrono::seconds{30}};
  auto claims = token::verify_mandate_token(compact, lookup, options);
  if (claims) {
    require(token::validate_claims(*claims).has_value());
    const std::string reissued = token::issue_mandate_token(*claims, f.broker);
    auto again = token::verify_mandate_token(reissued, lookup, options);
    require(again && *again == *claims);
  } else {
    require(!claims.error().reason.empty());
  }
  return claims;
}

// verify_proof in both profiles; the registered key, when it is the jwk's
// key, must change no outcome (token/README.md).
void check_proof(std::string_view compact, const token::PrivateKey& signer) {
  const auto& f = fixture();
  const std::string jkt = signer.public_key().thumbprint();
  for (const auto profile : {token::ProofProfile::action, token::ProofProfile::http}) {
    const bool http = profile == token::ProofProfile::http;
    token::ProofOptions options;
    options.now = mandate::identity::fuzz::fuzz_now();
    options.profile = profile;
    const std::string_view htm = http ? mandate::identity::fuzz::kMethod : mandate::identity::fuzz::kAction;
    const std::string_view htu = http ? mandate::identity::fuzz::kUri : mandate::identity::fuzz::kResource;
    auto plain = token::verify_proof(compact, f.mandate_token, jkt, htm, htu, options);
    options.registered_key = signer.public_key();
    auto registered = token::verify_proof(compact, f.mandate_token, jkt, htm, htu, options);
    require(plain.has_value() == registered.has_value());
    if (plain) {
      require(plain->jti == registered->jti && plain->thumbprint == jkt && registered->thumbprint == jkt);
      require(plain->jti.size() >= token::kMinProofJti && plain->jti.size() <= token::kMaxProofJti);
    } else {
      require(plain.error().check == registered.error().check);
    }
  }
}

// RFC 9449's htu normalisation is idempotent.
void check_uri(const nlohmann::json& payload) {
  const auto htu = payload.find("htu");
  if (htu == payload.end() || !htu->is_string()) return;
  const auto once = token::normalize_http_uri(htu->get_ref<const std::string&>());
  if (!once) return;
  const auto twice = token::normalize_http_uri(*once);
  require(twice && *twice == *once);
}

void check_compact(std::string_view compact) {
  const auto& f = fixture();
  // The three parts re-encode to exactly the input: strict base64url has
  // one encoding per value.
  auto parts = token::split_compact(compact, identity::kMaxJwtSize);
  if (!parts) {
    require(!token::decode_compact(compact) && !identity::parse_jwt(compact));
    return;
  }
  const std::string signing_input = b64(parts->header_json) + "." + b64(parts->payload);
  require(parts->signing_input == signing_input);
  require(signing_input + "." + b64(parts->signature) == compact);
  if (compact.size() <= token::kMaxCompactSize) {
    auto small = token::split_compact(compact);
    require(small && small->header_json == parts->header_json && small->payload == parts->payload &&
            small->signature == parts->signature);
  }

  auto jws = token::decode_compact_checked(compact);
  if (jws) {
    require(jws->header.is_object() && jws->payload.is_object() && !jws->header.contains("crit"));
    require(jws->header == *encoding::parse_json_strict(parts->header_json, 64));
    require(jws->payload == *encoding::parse_json_strict(parts->payload, 64));
    require(token::parse_algorithm(jws->header.at("alg").get<std::string>()) == jws->algorithm);
    require(jws->signing_input == signing_input && jws->signature == parts->signature);
    check_uri(jws->payload);
  } else {
    quotes_nothing(jws.error().message, *parts);
  }

  auto jwt = identity::parse_jwt(compact);
  if (jwt) {
    require(!jwt->kid.empty() && jwt->claims.is_object());
    require(jwt->signing_input == signing_input && jwt->signature == parts->signature);
    const auto header = encoding::parse_json_strict(parts->header_json, 64);
    require(header && !header->contains("crit") && header->at("kid") == jwt->kid);
    require(identity::to_string(jwt->algorithm) == header->at("alg").get<std::string>());
    identity::ClaimRules rules;
    rules.issuer = mandate::identity::fuzz::kIssuer;
    rules.audiences = {mandate::identity::fuzz::kAudience};
    rules.now = std::chrono::system_clock::time_point(mandate::identity::fuzz::fuzz_now().time_since_epoch());
    if (identity::check_claims(jwt->claims, rules)) {
      const auto sub = identity::string_claim(jwt->claims, "sub");
      require(sub && !sub->empty() && jwt->claims.at("exp").is_number());
    }
  } else {
    quotes_nothing(jwt.error(), *parts);
  }
  // What token's decoder takes, identity's takes too when it has a kid
  // (identity adds RSA algorithms and demands a kid; token knows "Ed25519").
  if (jws && compact.size() <= token::kMaxCompactSize) {
    const auto kid = jws->header.find("kid");
    const auto typ = jws->header.find("typ");
    const bool has_kid = kid != jws->header.end() && kid->is_string() && !kid->get<std::string>().empty();
    const bool typ_ok = typ == jws->header.end() || typ->is_string();
    if (has_kid && typ_ok && identity::parse_jws_algorithm(jws->header.at("alg").get<std::string>())) require(jwt.has_value());
  }

  // As sent (a mutated signature fails), then re-signed with the keys the
  // verifiers expect, so that the claims behind the signature are read.
  check_mandate_token(compact);
  const auto broker_signature = f.broker.sign(signing_input);
  const std::string resigned = signing_input + "." +
                               encoding::base64url_encode(std::span<const std::uint8_t>(broker_signature));
  auto claims = check_mandate_token(resigned);
  if (!claims) require(claims.error().check != token::TokenCheck::signature);

  check_proof(compact, f.executor);
  const bool es256 = jws && jws->algorithm == token::Algorithm::ES256;
  const token::PrivateKey& signer = es256 ? f.executor_es : f.executor;
  check_proof(signing_input + "." + b64(signer.sign(signing_input)), signer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    const std::string_view header = text.substr(0, nul);
    std::string_view rest = text.substr(nul + 1);
    const auto second = rest.find('\0');
    const std::string_view payload = rest.substr(0, second);
    const std::string_view signature = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
    check_compact(b64(header) + "." + b64(payload) + "." + b64(signature));
  } else if (text.starts_with('{')) {
    check_json(text);
  } else {
    check_compact(text);
  }
  return 0;
}
