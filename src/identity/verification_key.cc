#include "identity/internal/verification_key.h"

#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto/openssl_ptr.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "token/public_key.h"
#include "core/error.h"

namespace mandate::identity {

struct VerificationKey::State {
  std::shared_ptr<EVP_PKEY> rsa;                  // RS*/PS*
  std::optional<token::PublicKey> token_key;      // ES256/EdDSA, verified by the token module
};

namespace {

using Refusal = std::unexpected<std::string>;

struct AlgorithmName {
  JwsAlgorithm algorithm;
  std::string_view name;
};
constexpr std::array<AlgorithmName, 8> kAlgorithms{{{JwsAlgorithm::RS256, "RS256"},
                                                    {JwsAlgorithm::RS384, "RS384"},
                                                    {JwsAlgorithm::RS512, "RS512"},
                                                    {JwsAlgorithm::PS256, "PS256"},
                                                    {JwsAlgorithm::PS384, "PS384"},
                                                    {JwsAlgorithm::PS512, "PS512"},
                                                    {JwsAlgorithm::ES256, "ES256"},
                                                    {JwsAlgorithm::EdDSA, "EdDSA"}}};

bool is_rsa(JwsAlgorithm a) { return a != JwsAlgorithm::ES256 && a != JwsAlgorithm::EdDSA; }
bool is_pss(JwsAlgorithm a) { return a == JwsAlgorithm::PS256 || a == JwsAlgorithm::PS384 || a == JwsAlgorithm::PS512; }

const EVP_MD* digest_for(JwsAlgorithm a) {
  switch (a) {
    case JwsAlgorithm::RS384:
    case JwsAlgorithm::PS384:
      return EVP_sha384();
    case JwsAlgorithm::RS512:
    case JwsAlgorithm::PS512:
      return EVP_sha512();
    default:
      return EVP_sha256();
  }
}

using crypto::Bignum;

std::expected<Bignum, std::string> big_member(const nlohmann::json& jwk, const char* name) {
  const auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return Refusal(std::string("the RSA JWK has no string \"") + name + "\"");
  const auto bytes = encoding::base64url_decode(it->get_ref<const std::string&>());
  if (!bytes || bytes->empty()) return Refusal(std::string("RSA JWK member \"") + name + "\" is not base64url");
  // RFC 7518 §6.3.1: no leading zero octets.
  if ((*bytes)[0] == 0) return Refusal(std::string("RSA JWK member \"") + name + "\" has a leading zero octet");
  Bignum bn(BN_bin2bn(bytes->data(), static_cast<int>(bytes->size()), nullptr));
  if (!bn) fail(ErrorKind::internal, "cannot allocate a big number");
  return bn;
}

std::expected<std::shared_ptr<EVP_PKEY>, std::string> rsa_public(const nlohmann::json& jwk) {
  auto n = big_member(jwk, "n");
  if (!n) return Refusal(n.error());
  auto e = big_member(jwk, "e");
  if (!e) return Refusal(e.error());
  const int bits = BN_num_bits(n->get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Refusal("the RSA key has " + std::to_string(bits) + " bits; " + std::to_string(kMinRsaBits) + " to " +
                   std::to_string(kMaxRsaBits) + " are accepted");
  }
  if (!BN_is_odd(e->get()) || BN_num_bits(e->get()) < 2 || BN_num_bits(e->get()) > 32) {
    return Refusal("the RSA public exponent is not an odd number of at most 32 bits");
  }
  crypto::ParamBld build(OSSL_PARAM_BLD_new());
  if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n->get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e->get()) != 1) {
    fail(ErrorKind::internal, "cannot build RSA key parameters");
  }
  crypto::Params params(OSSL_PARAM_BLD_to_param(build.get()));
  crypto::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Refusal("the RSA JWK is not a valid public key");
  }
  return std::shared_ptr<EVP_PKEY>(crypto::Pkey(raw));
}

std::expected<JwsAlgorithm, std::string> rsa_algorithm(const nlohmann::json& jwk) {
  const auto alg = jwk.find("alg");
  if (alg == jwk.end()) return JwsAlgorithm::RS256;
  const auto parsed = alg->is_string() ? parse_jws_algorithm(alg->get_ref<const std::string&>()) : std::nullopt;
  if (!parsed || !is_rsa(*parsed)) return Refusal("the RSA JWK's \"alg\" is not one of RS256/384/512, PS256/384/512");
  return *parsed;
}

bool rsa_verify(EVP_PKEY* pkey, JwsAlgorithm algorithm, std::string_view input, std::string_view signature) {
  if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey))) return false;
  crypto::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_for(algorithm), nullptr, pkey) != 1) return false;
  if (is_pss(algorithm)) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, digest_for(algorithm)) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return false;
    }
  } else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

// "sig", or "jwt-svid" in a SPIFFE trust bundle (SPIFFE Trust Domain and
// Bundle §4.2.1); "x509-svid" entries there are CA certificates, not JWT keys.
bool signing_use(const nlohmann::json& jwk) {
  const auto use = jwk.find("use");
  return use == jwk.end() || *use == "sig" || *use == "jwt-svid";
}

std::expected<void, std::string> public_signing_key(const nlohmann::json& jwk) {
  if (!signing_use(jwk)) return Refusal("the JWK's \"use\" is neither \"sig\" nor \"jwt-svid\"");
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
    if (jwk.contains(member)) return Refusal("the JWK holds private key material");
  }
  return {};
}

}  // namespace

std::string_view to_string(JwsAlgorithm algorithm) {
  for (const auto& [a, name] : kAlgorithms) {
    if (a == algorithm) return name;
  }
  return "?";
}

std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view alg) {
  for (const auto& [a, name] : kAlgorithms) {
    if (name == alg) return a;
  }
  return std::nullopt;
}

VerificationKey::VerificationKey(std::string kid, JwsAlgorithm algorithm, std::shared_ptr<const State> state)
    : kid_(std::move(kid)), algorithm_(algorithm), state_(std::move(state)) {}

std::expected<VerificationKey, std::string> VerificationKey::from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return Refusal("a JWK must be a JSON object");
  if (auto ok = public_signing_key(jwk); !ok) return Refusal(ok.error());
  std::string kid;
  if (const auto it = jwk.find("kid"); it != jwk.end()) {
    if (!it->is_string()) return Refusal("the JWK's \"kid\" is not a string");
    kid = it->get<std::string>();
  }
  const auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return Refusal("the JWK has no string \"kty\"");
  auto state = std::make_shared<State>();
  if (*kty == "RSA") {
    auto algorithm = rsa_algorithm(jwk);
    if (!algorithm) return Refusal(algorithm.error());
    auto pkey = rsa_public(jwk);
    if (!pkey) return Refusal(pkey.error());
    state->rsa = std::move(*pkey);
    return VerificationKey(std::move(kid), *algorithm, std::move(state));
  }
  // EC P-256 and Ed25519: the token module's strict parser, which knows
  // only "use":"sig".
  nlohmann::json plain = jwk;
  plain.erase("use");
  auto key = token::PublicKey::from_jwk(plain);
  if (!key) return Refusal(key.error());
  const JwsAlgorithm algorithm =
      key->algorithm() == token::Algorithm::EdDSA ? JwsAlgorithm::EdDSA : JwsAlgorithm::ES256;
  state->token_key = std::move(*key);
  return VerificationKey(std::move(kid), algorithm, std::move(state));
}

bool VerificationKey::verify(std::string_view signing_input, std::string_view signature) const {
  if (state_->rsa) return rsa_verify(state_->rsa.get(), algorithm_, signing_input, signature);
  return state_->token_key->verify(signing_input, signature);
}

std::expected<std::vector<VerificationKey>, std::string> parse_jwks(std::string_view json) {
  auto document = encoding::parse_json_strict(json, 16);
  if (!document) return Refusal("the JWKS is not strict JSON");
  const auto keys = document->is_object() ? document->find("keys") : document->end();
  if (!document->is_object() || keys == document->end() || !keys->is_array()) {
    return Refusal("the JWKS has no \"keys\" array");
  }
  std::vector<VerificationKey> out;
  for (const auto& jwk : *keys) {
    if (auto key = VerificationKey::from_jwk(jwk)) out.push_back(std::move(*key));
  }
  if (out.empty()) return Refusal("the JWKS holds no signing key mandate can use");
  return out;
}

}  // namespace mandate::identity
