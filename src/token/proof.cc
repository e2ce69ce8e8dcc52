#include "token/proof.h"

#include <array>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "token/claims_wire.h"
#include "token/jwk_members.h"
#include "token/jws.h"

namespace mandate::token {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kJtiBytes = 16;

std::unexpected<ProofRejection> reject(ProofCheck check, std::string reason) {
  return std::unexpected(ProofRejection{check, std::move(reason)});
}

struct ProofClaims {
  std::string jti, htm, htu, ath;
  core::Timestamp issued_at;
};

const std::string* string_claim(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  return it == payload.end() || !it->is_string() ? nullptr : &it->get_ref<const std::string&>();
}

// The claims' presence and types, read before the signature check only so
// that a structurally wrong proof is a format error; nothing is trusted yet.
std::expected<ProofClaims, ProofRejection> read_proof_claims(const Json& payload) {
  ProofClaims claims;
  for (auto [name, out] : {std::pair{"jti", &claims.jti}, {"htm", &claims.htm}, {"htu", &claims.htu}, {"ath", &claims.ath}}) {
    const std::string* value = string_claim(payload, name);
    if (value == nullptr) return reject(ProofCheck::format, std::string("the proof has no string claim \"") + name + "\"");
    *out = *value;
  }
  if (claims.jti.size() < kMinProofJti || claims.jti.size() > kMaxProofJti || !core::check_id(claims.jti)) {
    return reject(ProofCheck::format, "the proof's jti is not 16 to 256 printable characters");
  }
  auto iat = detail::read_numeric_date(payload, "iat");
  if (!iat) return reject(ProofCheck::format, "the proof: " + iat.error());
  claims.issued_at = *iat;
  return claims;
}

std::expected<PublicKey, ProofRejection> header_key(const Json& header, Algorithm algorithm,
                                                    const std::optional<PublicKey>& registered) {
  const auto jwk = header.find("jwk");
  if (jwk == header.end()) return reject(ProofCheck::key, "the proof header has no \"jwk\"");
  if (registered && jwk->is_object() && !jwk->contains("d")) {
    // The same members checks as a full parse, without building a key.
    auto members = detail::read_jwk(*jwk);
    if (members && members->algorithm == registered->algorithm() && members->algorithm == algorithm &&
        detail::canonical_public_jwk(members->algorithm, members->x, members->y) == registered->jwk_json()) {
      return *registered;
    }
  }
  auto key = PublicKey::from_jwk(*jwk);
  if (!key) return reject(ProofCheck::key, "the proof header's jwk: " + key.error());
  if (key->algorithm() != algorithm) return reject(ProofCheck::key, "the proof's jwk is not a key for its alg");
  return std::move(*key);
}

}  // namespace

std::string access_token_hash(std::string_view token) { return encoding::base64url_encode(crypto::sha256(token)); }

std::string make_proof(const PrivateKey& key, std::string_view token, std::string_view action,
                       std::string_view resource, core::Timestamp now) {
  const Json header = {{"alg", to_string(key.algorithm())},
                       {"typ", "dpop+jwt"},
                       {"jwk", Json::parse(key.public_key().jwk_json())}};
  const Json payload = {{"jti", encoding::base64url_encode(crypto::random_bytes(kJtiBytes))},
                        {"iat", detail::to_numeric_date(now)},
                        {"htm", action},
                        {"htu", resource},
                        {"ath", access_token_hash(token)}};
  return encode_compact(header, payload, [&](std::string_view input) { return key.sign(input); });
}

std::string_view to_string(ProofCheck check) {
  static constexpr std::array<std::string_view, 11> kNames{"missing", "format",  "algorithm", "type",
                                                           "key",     "signature", "binding", "token",
                                                           "action",  "resource",  "freshness"};
  return kNames.at(static_cast<std::size_t>(check));
}

std::expected<VerifiedProof, ProofRejection> verify_proof(std::string_view proof, std::string_view token,
                                                          std::string_view expected_jkt, std::string_view action,
                                                          std::string_view resource, const ProofOptions& options) {
  if (proof.empty()) return reject(ProofCheck::missing, "no proof of possession was presented");
  auto jws = decode_compact_checked(proof);
  if (!jws) {
    return reject(jws.error().fault == JwsFault::algorithm ? ProofCheck::algorithm : ProofCheck::format,
                  "the proof: " + jws.error().message);
  }
  auto claims = read_proof_claims(jws->payload);
  if (!claims) return std::unexpected(std::move(claims.error()));
  const std::string* typ = string_claim(jws->header, "typ");
  if (typ == nullptr || !media_type_is(*typ, "dpop+jwt")) return reject(ProofCheck::type, "the proof's typ is not dpop+jwt");
  auto key = header_key(jws->header, jws->algorithm, options.registered_key);
  if (!key) return std::unexpected(std::move(key.error()));
  if (!key->verify(jws->signing_input, jws->signature)) return reject(ProofCheck::signature, "the proof's signature is not valid");

  if (key->thumbprint() != expected_jkt) return reject(ProofCheck::binding, "the proof is signed by a key the mandate is not bound to");
  if (claims->ath != access_token_hash(token)) return reject(ProofCheck::token, "the proof was made for another token");
  if (claims->htm != action) return reject(ProofCheck::action, "the proof was made for another action");
  if (claims->htu != resource) return reject(ProofCheck::resource, "the proof was made for another resource");
  if (claims->issued_at > options.now + options.skew) return reject(ProofCheck::freshness, "the proof's iat is in the future");
  if (claims->issued_at + options.max_age + options.skew < options.now) {
    return reject(ProofCheck::freshness, "the proof is older than " + std::to_string(options.max_age.count()) + " s");
  }
  return VerifiedProof{std::move(claims->jti), claims->issued_at, key->thumbprint()};
}

}  // namespace mandate::token
