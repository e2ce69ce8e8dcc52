// Interop with jose (npm) in both directions, run for real with Node:
// jose verifies mandate's tokens against the keyring's JWKS, and mandate
// verifies tokens and proofs that jose made (Ed25519 and P-256 keys).
// Each direction also carries cases that must be refused, so a checker that
// accepted everything would fail here.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "encoding/base64.h"
#include "support/process.h"
#include "token/internal/authorization_details.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token/proof.h"
#include "token_fixtures.h"

namespace mandate::token {
namespace {

using namespace mandate::token::testing;
using Json = nlohmann::json;

const std::filesystem::path kSourceDir = MANDATE_SOURCE_DIR;
const std::filesystem::path kScript = kSourceDir / "tests/token/jose_interop.mjs";

std::int64_t seconds(core::Timestamp t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// Runs the script and returns its JSON report; fails the test when jose is
// not installed rather than skipping, since interop is a requirement.
Json run_jose(const std::string& mode, const std::filesystem::path& dir) {
  if (!std::filesystem::exists(kSourceDir / "node_modules/jose/package.json")) {
    ADD_FAILURE() << "jose is not installed in " << (kSourceDir / "node_modules") << ": run scripts/install-deps.sh";
    return Json::object();
  }
  const mandate::testing::RunResult result = mandate::testing::run({"node", kScript.string(), mode, dir.string()});
  EXPECT_EQ(result.exit_code, 0) << "node " << mode << ":\n" << result.out << result.err;
  const auto json = Json::parse(result.out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << result.out << result.err;
  return json.is_discarded() ? Json::object() : json;
}

std::string sign_with(const keys::SigningKey& key, const Json& header, const Json& payload) {
  return encode_compact(header, payload, [&](std::string_view in) {
    const auto s = key.sign(in);
    return std::string(s.begin(), s.end());
  });
}

TEST(JoseInterop, JoseVerifiesMandateTokensAgainstTheJwks) {
  const mandate::testing::TempDir dir;
  const keys::SigningKey issuer(crypto::Ed25519PrivateKey::generate());
  const PrivateKey executor = PrivateKey::generate(Algorithm::EdDSA);
  MandateClaims claims = sample_claims(executor.public_key());
  claims.on_behalf_of = {"alice@example.com", "spiffe://example.com/ci/orchestrator"};
  claims.parent_jti = "m-parent";
  claims.depth = 1;
  const std::string token = issue_mandate_token(claims, issuer);

  auto decoded = decode_compact(token);
  ASSERT_TRUE(decoded.has_value());
  const Json header = decoded->header;
  Json payload = decoded->payload;
  const keys::SigningKey foreign(crypto::Ed25519PrivateKey::generate());
  Json typ_jwt = header;
  typ_jwt["typ"] = "JWT";
  Json tampered_payload = payload;
  tampered_payload[std::string(kMandateClaim)]["max_uses"] = 99;
  const std::string tampered = token.substr(0, token.find('.') + 1) +
                               encoding::base64url_encode(tampered_payload.dump()) + token.substr(token.rfind('.'));
  Json none = header;
  none["alg"] = "none";

  const Json c = {
      {"jwks", {{"keys", Json::array({issuer.public_jwk()})}}},
      {"token", token},
      {"issuer", kIssuer},
      {"audience", kAudience},
      {"now", seconds(test_now()) + 1},
      {"claims",
       {{"sub", "alice@example.com"},
        {"client_id", claims.executor},
        {"jti", claims.jti},
        {"iat", seconds(claims.issued_at)},
        {"nbf", seconds(claims.not_before)},
        {"exp", seconds(claims.expires_at)},
        {"act", Json::parse(R"({"sub":"spiffe://example.com/ci/deployer","act":{"sub":"spiffe://example.com/ci/orchestrator"}})")},
        {"authorization_details", scope_to_json(claims.scope).value()},
        {"cnf", {{"jkt", executor.public_key().thumbprint()}}},
        {std::string(kMandateClaim),
         {{"task_id", claims.task_id},
          {"approval_hash", claims.approval_hash},
          {"parent_jti", *claims.parent_jti},
          {"depth", 1},
          {"max_uses", 1},
          {"break_glass", false}}}}},
      {"refused",
       {{"tampered", tampered},
        {"foreign_key", sign_with(foreign, header, payload)},
        {"typ_jwt", sign_with(issuer, typ_jwt, payload)},
        {"alg_none", encoding::base64url_encode(none.dump()) + "." + encoding::base64url_encode(payload.dump()) + "."}}},
  };
  mandate::testing::write_file(dir / "case.json", c.dump());
  const Json report = run_jose("verify", dir.path());
  EXPECT_EQ(report.value("verified", ""), claims.jti) << report.dump();
  EXPECT_EQ(report.value("problems", Json::array()), Json::array()) << report.dump();
  const Json rejected = report.value("rejected", Json::object());
  EXPECT_EQ(rejected.value("tampered", ""), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") << report.dump();
  EXPECT_EQ(rejected.value("foreign_key", ""), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") << report.dump();
  EXPECT_EQ(rejected.value("typ_jwt", ""), "ERR_JWT_CLAIM_VALIDATION_FAILED") << report.dump();
  EXPECT_FALSE(rejected.value("alg_none", Json()).is_null()) << report.dump();
}

TEST(JoseInterop, MandateVerifiesTokensAndProofsMadeByJose) {
  const mandate::testing::TempDir dir;
  const PrivateKey placeholder = PrivateKey::generate(Algorithm::EdDSA);
  const MandateClaims claims = sample_claims(placeholder.public_key());
  const std::int64_t now = seconds(test_now());
  const Json request = {{"issuer", kIssuer},
                        {"audience", kAudience},
                        {"sub", "alice@example.com"},
                        {"client_id", claims.executor},
                        {"act", {{"sub", claims.executor}}},
                        {"mandate_claim", std::string(kMandateClaim)},
                        {"http_method", "POST"},
                        {"http_uri", "https://api.example.com/deploy"},
                        {"authorization_details", scope_to_json(claims.scope).value()},
                        {"task_id", claims.task_id},
                        {"approval_hash", claims.approval_hash},
                        {"now", now},
                        {"action", "deploy"},
                        {"resource", "https://k8s.example.com/ns/shop"}};
  mandate::testing::write_file(dir / "request.json", request.dump());
  const Json report = run_jose("make", dir.path());
  ASSERT_EQ(report.value("made", 0), 2) << report.dump();
  const Json made = Json::parse(mandate::testing::read_file(dir / "jose.json"));

  auto issuer = PublicKey::from_jwk(made["issuer_jwk"]);
  ASSERT_TRUE(issuer.has_value()) << issuer.error();
  // jose's calculateJwkThumbprint and ours agree (Ed25519 here, P-256 below).
  EXPECT_EQ(issuer->thumbprint(), made["kid"]);
  const KeyLookup lookup = lookup_of({*issuer});
  const VerifyOptions options = options_at(test_now() + std::chrono::seconds(1));
  const ProofOptions proof_options{test_now() + std::chrono::seconds(1)};
  const std::string action = request["action"], resource = request["resource"];

  for (const Json& c : made["cases"]) {
    const std::string alg = c["alg"], token = c["token"], jkt = c["jkt"];
    SCOPED_TRACE(alg);
    auto executor = PublicKey::from_jwk(c["executor_jwk"]);
    ASSERT_TRUE(executor.has_value()) << executor.error();
    EXPECT_EQ(executor->thumbprint(), jkt);

    auto verified = verify_mandate_token(token, lookup, options);
    ASSERT_TRUE(verified.has_value()) << verified.error().reason;
    EXPECT_EQ(verified->executor, claims.executor);
    EXPECT_EQ(verified->on_behalf_of, std::vector<std::string>{"alice@example.com"});
    EXPECT_EQ(verified->scope, claims.scope);
    EXPECT_EQ(verified->key_binding.thumbprint, jkt);
    EXPECT_EQ(verified->expires_at, test_now() + std::chrono::seconds(600));

    auto proof = verify_proof(c["proof"].get<std::string>(), token, jkt, action, resource, proof_options);
    ASSERT_TRUE(proof.has_value()) << proof.error().reason;
    EXPECT_EQ(proof->thumbprint, jkt);
    EXPECT_EQ(proof->jti.size(), 36u);  // jose's setJti(randomUUID())

    // The dpop library's proof of an HTTP request, checked as RFC 9449 has it.
    ProofOptions http_options{std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now())};
    http_options.profile = ProofProfile::http;
    const std::string dpop = c["dpop_http"];
    auto http = verify_proof(dpop, token, jkt, "POST", "https://api.example.com/deploy?dry-run=1", http_options);
    ASSERT_TRUE(http.has_value()) << http.error().reason;
    EXPECT_EQ(http->thumbprint, jkt);
    auto other_method = verify_proof(dpop, token, jkt, "DELETE", "https://api.example.com/deploy", http_options);
    ASSERT_FALSE(other_method.has_value());
    EXPECT_EQ(other_method.error().check, ProofCheck::htm);
    auto as_action = verify_proof(dpop, token, jkt, "deploy", "https://k8s.example.com/ns/shop", http_options);
    ASSERT_FALSE(as_action.has_value());

    for (const auto& [check, refused] : c["refused"].items()) {
      auto result = verify_proof(refused.get<std::string>(), token, jkt, action, resource, proof_options);
      ASSERT_FALSE(result.has_value()) << check;
      EXPECT_EQ(to_string(result.error().check), check) << result.error().reason;
    }
  }
  for (const auto& [check, refused] : made["refused_tokens"].items()) {
    auto result = verify_mandate_token(refused.get<std::string>(), lookup, options);
    ASSERT_FALSE(result.has_value()) << check;
    EXPECT_EQ(to_string(result.error().check), check) << result.error().reason;
  }
}

}  // namespace
}  // namespace mandate::token
