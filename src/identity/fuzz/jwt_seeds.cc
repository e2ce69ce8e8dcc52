// Writes jwt_fuzz's seed corpus into the directory named on the command
// line: tokens, proofs and JWTs made with the project's own signers and the
// fixture's keys (so they pass the checks the target runs), identity-style
// ID tokens of every shape the identity module reads, a few refused ones,
// and JWKS documents. Run by scripts/fuzz.sh when the corpus is empty.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "identity/fuzz/jwt_fuzz_fixture.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token/proof.h"

namespace {

using nlohmann::json;
using namespace mandate;
using identity::fuzz::fixture;

std::string b64(std::string_view s) { return encoding::base64url_encode(s); }

std::int64_t seconds(core::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A JWT signed with `sign`, header and claims as given (dumped compactly).
std::string jwt(const json& header, const json& claims, const token::Signer& sign) {
  return token::encode_compact(header, claims, sign);
}

// An RSA-2048 public JWK (identity providers' default).
json rsa_jwk(const std::string& kid) {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
  auto bytes = [](const BIGNUM* b) {
    std::string out(static_cast<std::size_t>(BN_num_bytes(b)), '\0');
    BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
    return out;
  };
  json jwk{{"kty", "RSA"}, {"kid", kid}, {"use", "sig"}, {"n", b64(bytes(n))}, {"e", b64(bytes(e))}};
  BN_free(n);
  BN_free(e);
  EVP_PKEY_free(pkey);
  return jwk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: jwt_seeds DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  int n = 0;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + std::to_string(n++) + "_" + name, std::ios::binary) << text;
  };
  // Each token twice: compact, and as its raw parts joined by NUL bytes
  // (the target's other input form).
  const auto put = [&](const std::string& name, const std::string& text) {
    write(name, text);
    auto parts = token::split_compact(text, 1 << 20);
    if (!parts) return;
    write(name + "_raw", parts->header_json + '\0' + parts->payload + '\0' + parts->signature);
  };
  const auto& f = fixture();
  const auto now = identity::fuzz::fuzz_now();
  const auto broker_sign = [&](std::string_view input) {
    const auto s = f.broker.sign(input);
    return std::string(s.begin(), s.end());
  };
  const auto es_sign = [&](std::string_view input) { return f.executor_es.sign(input); };

  // Mandate tokens: the fixture's, a delegated one, break-glass, bound to a
  // certificate, for two audiences.
  put("mandate_token", f.mandate_token);
  auto claims = identity::fuzz::sample_claims(f.executor.public_key());
  auto child = claims;
  child.jti = "m-child-1";
  child.depth = 1;
  child.parent_jti = claims.jti;
  child.on_behalf_of.push_back("spiffe://fuzz.example/ci/parent");
  child.max_uses = 3;
  put("mandate_token_delegated", token::issue_mandate_token(child, f.broker));
  auto glass = claims;
  glass.break_glass = true;
  glass.approval_hash.clear();
  glass.audience = {identity::fuzz::kAudience, "https://other.fuzz.example"};
  put("mandate_token_break_glass", token::issue_mandate_token(glass, f.broker));
  auto mtls = claims;
  mtls.key_binding = core::KeyBinding{core::KeyBindingKind::x5t_s256, std::string(43, 'A')};
  put("mandate_token_x5t", token::issue_mandate_token(mtls, f.broker));

  // Proofs of possession for the fixture's token: both profiles, both keys.
  using identity::fuzz::kAction, identity::fuzz::kResource, identity::fuzz::kMethod, identity::fuzz::kUri;
  put("proof_action", token::make_proof(f.executor, f.mandate_token, kAction, kResource, now));
  put("proof_http", token::make_proof(f.executor, f.mandate_token, kMethod, kUri, now));
  put("proof_es256", token::make_proof(f.executor_es, f.mandate_token, kAction, kResource, now));
  put("proof_http_uri_forms",
      token::make_proof(f.executor, f.mandate_token, kMethod, "HTTPS://Deploy.FUZZ.example:443/v1/%72eleases?x=1#f", now));

  // ID tokens as identity providers send them (the signature is not what
  // parse_jwt checks; the key's algorithm is).
  const std::int64_t t = seconds(now);
  const json oidc{{"iss", identity::fuzz::kIssuer}, {"aud", identity::fuzz::kAudience}, {"sub", "alice"},
                  {"email", "alice@fuzz.example"}, {"email_verified", true}, {"iat", t - 10}, {"nbf", t - 10},
                  {"exp", t + 300}};
  const auto rsa_signature = [](std::string_view) { return std::string(256, '\x5a'); };
  put("oidc_rs256", jwt({{"alg", "RS256"}, {"kid", "rsa-1"}, {"typ", "JWT"}}, oidc, rsa_signature));
  put("oidc_ps384", jwt({{"alg", "PS384"}, {"kid", "rsa-2"}}, oidc, rsa_signature));
  put("oidc_es256", jwt({{"alg", "ES256"}, {"kid", "es-1"}, {"typ", "JWT"}}, oidc, es_sign));
  put("oidc_eddsa_fractional_dates",
      jwt({{"alg", "EdDSA"}, {"kid", f.broker.kid()}},
          {{"iss", identity::fuzz::kIssuer}, {"aud", json::array({"x", identity::fuzz::kAudience})}, {"sub", "bob"},
           {"iat", static_cast<double>(t) - 0.5}, {"exp", static_cast<double>(t) + 60.25}},
          broker_sign));
  put("github_actions",
      jwt({{"alg", "RS256"}, {"kid", "gh"}, {"typ", "JWT"}, {"x5t", "abc"}},
          {{"iss", "https://token.actions.githubusercontent.com"}, {"aud", identity::fuzz::kAudience},
           {"sub", "repo:acme/web:ref:refs/heads/main"}, {"repository", "acme/web"}, {"repository_owner", "acme"},
           {"ref", "refs/heads/main"}, {"ref_type", "branch"}, {"workflow", "deploy"},
           {"job_workflow_ref", "acme/web/.github/workflows/deploy.yml@refs/heads/main"}, {"environment", "prod"},
           {"event_name", "push"}, {"iat", t}, {"nbf", t}, {"exp", t + 300}},
          rsa_signature));
  put("kubernetes",
      jwt({{"alg", "RS256"}, {"kid", "k8s"}},
          {{"iss", "https://kubernetes.default.svc"}, {"aud", json::array({identity::fuzz::kAudience})},
           {"sub", "system:serviceaccount:shop:deployer"},
           {"kubernetes.io", {{"namespace", "shop"}, {"serviceaccount", {{"name", "deployer"}, {"uid", "u1"}}},
                              {"pod", {{"name", "deployer-7d9"}, {"uid", "u2"}}}}},
           {"iat", t}, {"exp", t + 3600}},
          rsa_signature));
  put("jwt_svid", jwt({{"alg", "ES256"}, {"kid", "svid"}, {"typ", "JWT"}},
                      {{"sub", "spiffe://fuzz.example/ns/shop/sa/deployer"}, {"aud", identity::fuzz::kAudience},
                       {"exp", t + 300}},
                      es_sign));
  // Refused on sight: unsecured, MACed, with crit, padded base64.
  put("alg_none", b64(R"({"alg":"none"})") + "." + b64(oidc.dump()) + ".");
  put("alg_hs256", jwt({{"alg", "HS256"}, {"kid", "k"}}, oidc, [](std::string_view) { return std::string(32, 'h'); }));
  put("crit", jwt({{"alg", "EdDSA"}, {"kid", f.broker.kid()}, {"crit", json::array({"b64"})}, {"b64", false}}, oidc,
                  broker_sign));
  put("padded", b64(R"({"alg":"EdDSA","kid":"k"})") + "=." + b64("{}") + "." + b64("s"));
  put("duplicate_alg", b64(R"({"alg":"EdDSA","alg":"none","kid":"k"})") + "." + b64(oidc.dump()) + "." + b64("s"));

  // JWKS documents and single JWKs (the text starts with '{').
  json jwks{{"keys", json::array()}};
  jwks["keys"].push_back(f.broker.public_jwk());
  auto ed = json::parse(f.executor.public_key().jwk_json());
  ed["kid"] = "ed-1";
  jwks["keys"].push_back(ed);
  auto ec = json::parse(f.executor_es.public_key().jwk_json());
  ec["kid"] = "es-1";
  ec["alg"] = "ES256";
  jwks["keys"].push_back(ec);
  jwks["keys"].push_back(rsa_jwk("rsa-1"));
  auto pss = rsa_jwk("rsa-2");
  pss["alg"] = "PS384";
  jwks["keys"].push_back(pss);
  jwks["keys"].push_back({{"kty", "RSA"}, {"kid", "enc"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}});
  write("jwks", jwks.dump());
  write("jwk_public_ed25519", f.executor.public_key().jwk_json());
  write("jwk_public_p256", f.executor_es.public_key().jwk_json());
  write("jwk_private_ed25519", identity::fuzz::kExecutorJwk);
  write("jwk_private_p256", identity::fuzz::kExecutorEsJwk);
  return 0;
}
