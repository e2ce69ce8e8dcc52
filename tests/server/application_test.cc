// The server's routes through Application::handle, without sockets: who may
// call what, the whole workflow, and bad input that changes nothing. Callers
// prove who they are with real signed tokens checked against JWKS files.
#include "server/internal/application.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "witness/cosignature.h"
#include "witness/policy.h"

#include "server_app.h"

#include <fstream>

#include "broker/broker.h"
#include "evidence/bundle.h"
#include "home/home.h"
#include "identity/jwks_fetcher.h"
#include "support/jwt_signer.h"
#include "support/process.h"
#include "support/server_setup.h"
#include "token/jws.h"
#include "token/private_key.h"
#include "token/proof.h"

namespace mandate::server {
namespace {

using mandate::testing::kAudience;
using mandate::testing::kDeployer;
using mandate::testing::kIdp;
using mandate::testing::kOrigin;
using mandate::testing::kResourceServer;

using mandate::testing::JwtSigner;
using mandate::testing::write_file;

TEST_F(ServerApp, TheWholeWorkflowOverTheApi) {
  register_everyone();
  const std::string task = approved_task();

  // The workload exchanges its JWT-SVID for the task's mandate (RFC 8693).
  auto r = call("POST", "/oauth/token", "",
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" + workload(kDeployer) +
                    "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt&scope=task%3A" + task,
                "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string mandate = json(r)["access_token"];
  EXPECT_EQ(json(r)["token_type"], "DPoP");
  EXPECT_EQ(json(r)["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");

  // The resource server asks AuthZEN with the mandate and the workload's proof.
  const auto ask = [&](const std::string& resource) {
    return call("POST", "/access/v1/evaluation", workload(kResourceServer),
                nlohmann::json{{"subject", {{"type", "mandate"}, {"id", json(call("POST", "/oauth/introspect", workload(kResourceServer),
                                                                                   "token=" + mandate, "application/x-www-form-urlencoded"))["jti"]},
                                            {"properties", {{"token", mandate}, {"proof", prove(mandate, "deploy", resource)}}}}},
                               {"action", {{"name", "deploy"}}},
                               {"resource", {{"type", "resource"}, {"id", resource}}}}
                    .dump());
  };
  r = ask("prod/payments");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["decision"], true) << r.body;
  EXPECT_GT(json(r)["context"]["ledger_index"].get<std::uint64_t>(), 0u);
  r = ask("prod/ledger");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r)["decision"], false);
  EXPECT_EQ(r.body.find(mandate), std::string::npos) << "the token is never echoed";

  // The workload reports the outcome; the mandate is then no longer live.
  r = call("POST", "/v1/tasks/" + task + "/outcome", workload(kDeployer), R"({"outcome":"success","result_digest":"sha256:00"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = call("POST", "/oauth/introspect", workload(kResourceServer), "token=" + mandate, "application/x-www-form-urlencoded");
  EXPECT_EQ(json(r), nlohmann::json({{"active", false}}));

  // The investigator's trace and evidence; the bundle verifies offline.
  r = call("GET", "/v1/trace/" + task + "?format=json", human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("oidc:https://idp.test sub=alice"), std::string::npos) << "how the initiator was authenticated";
  r = call("GET", "/v1/evidence/" + task, human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(evidence::verify_bundle(r.body, std::nullopt).valid);

  // The ledger endpoints serve a checkpoint and proofs.
  r = call("GET", "/v1/ledger/checkpoint", human("carol"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind(std::string(kOrigin) + "\n", 0), 0u);
  r = call("GET", "/v1/ledger/proofs/inclusion?index=1", human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  r = call("GET", "/v1/ledger/proofs/consistency?first=1&second=" + std::to_string(ledger_size()), human("carol"));
  ASSERT_EQ(r.status, 200) << r.body;
  r = call("GET", "/v1/ledger/entries/0", human("carol"));
  ASSERT_EQ(r.status, 200);
}

// RFC 8707 and RFC 9449 over the API: the mandate names the resource
// servers it is for, and a resource server hands on a standard DPoP proof
// of the HTTP request it received, with the action it decides apart.
TEST_F(ServerApp, AMandateIsForItsAudienceAndProvenByTheHttpRequest) {
  register_everyone();
  const std::string task = approved_task(nlohmann::json::array({"https://payments.example", "https://ledger.example"}));
  const auto exchange = [&](const std::string& extra) {
    return call("POST", "/oauth/token", "",
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=" + workload(kDeployer) +
                    "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt&scope=task%3A" + task + extra,
                "application/x-www-form-urlencoded");
  };
  auto r = exchange("&resource=https%3A%2F%2Fevil.example");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json(r)["error"], "invalid_target") << r.body;
  r = exchange("&resource=https%3A%2F%2Fpayments.example");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string mandate = json(r)["access_token"];
  const auto claims = token::decode_compact(mandate)->payload;
  EXPECT_EQ(claims["aud"], "https://payments.example") << "narrowed to the resource asked for";
  EXPECT_EQ(claims["sub"], "alice") << "RFC 8693: on whose behalf";
  EXPECT_EQ(claims["act"], nlohmann::json({{"sub", kDeployer}})) << "RFC 8693: who acts";
  EXPECT_EQ(claims["client_id"], kDeployer);

  const std::string jti = claims["jti"];
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const auto ask = [&](const std::string& audience, const std::string& proof, const std::string& method) {
    nlohmann::json subject = {{"type", "mandate"}, {"id", jti},
                              {"properties", {{"token", mandate}, {"proof", proof},
                                              {"http_request", {{"method", method}, {"uri", "https://payments.example/v1/deploy"}}}}}};
    nlohmann::json resource = {{"type", "resource"}, {"id", "prod/payments"}};
    if (!audience.empty()) resource["properties"] = {{"audience", audience}};
    return call("POST", "/access/v1/evaluation", workload(kResourceServer),
                nlohmann::json{{"subject", subject}, {"action", {{"name", "deploy"}}}, {"resource", resource}}.dump());
  };
  const auto http_proof = [&] { return token::make_proof(executor_key, mandate, "POST", "https://payments.example/v1/deploy", now); };
  // Another resource server (here: the caller's own id, which is not in aud) is refused.
  r = ask("", http_proof(), "POST");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r)["decision"], false);
  EXPECT_EQ(json(r)["context"]["decided_by"], "audience") << r.body;
  r = ask("https://ledger.example", http_proof(), "POST");
  EXPECT_EQ(json(r)["context"]["decided_by"], "audience") << "approved for the task, but not in this mandate";
  // The resource server the mandate is for, with a DPoP proof of its request.
  r = ask("https://payments.example", http_proof(), "POST");
  EXPECT_EQ(json(r)["decision"], true) << r.body;
  // A proof of another request, or in the action profile, is refused.
  r = ask("https://payments.example", http_proof(), "DELETE");
  EXPECT_EQ(json(r)["context"]["decided_by"], "proof") << r.body;
  r = ask("https://payments.example", prove(mandate, "deploy", "prod/payments"), "POST");
  EXPECT_EQ(json(r)["context"]["decided_by"], "proof") << r.body;
}

TEST_F(ServerApp, CallersWithoutValidCredentialsAreRefusedAndNothingChanges) {
  register_everyone();
  const auto size = ledger_size();
  const std::string body = R"({"intent":"x","executor":"spiffe://example.org/ci/deployer","duration":"30m",
                               "scope":[{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}]})";
  EXPECT_EQ(call("POST", "/v1/tasks", "", body).status, 401);
  EXPECT_EQ(call("POST", "/v1/tasks", human("alice", std::chrono::seconds(-120)), body).status, 401) << "expired";
  JwtSigner foreign{.kid = "idp-1"};
  EXPECT_EQ(call("POST", "/v1/tasks", foreign.sign({{"iss", kIdp}, {"aud", kAudience}, {"sub", "alice"}}), body).status, 401)
      << "signed by a key that is not the issuer's";
  EXPECT_EQ(call("POST", "/v1/tasks", idp.sign({{"iss", "https://evil.test"}, {"aud", kAudience}, {"sub", "alice"}}), body).status, 401);
  EXPECT_EQ(call("POST", "/v1/tasks", human("mallory"), body).status, 403) << "not a registered actor";
  const auto unauthorized = call("GET", "/v1/tasks", "");
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(ledger_size(), size);
}

// RFC 6750 §3.1: no credentials at all is answered with the scheme and no
// error code; a credential that fails is invalid_token.
TEST_F(ServerApp, WwwAuthenticateHasAnErrorCodeOnlyWhenACredentialFailed) {
  const auto www_authenticate = [](const Response& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "WWW-Authenticate") return value;
    }
    return std::string("(none)");
  };
  auto r = call("GET", "/v1/tasks", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(www_authenticate(r), "Bearer");
  r = call("POST", "/access/v1/evaluation", "", "{}");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(www_authenticate(r), "Bearer");
  r = call("GET", "/v1/tasks", "not-a-jwt");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(www_authenticate(r), "Bearer error=\"invalid_token\"");
}

// AuthZEN 1.0 answers a request that is not JSON with 400 (its error
// responses are 400, 401, 403 and 500), where the rest of the API says 415.
TEST_F(ServerApp, AnAuthzenRequestThatIsNotJsonIs400) {
  register_everyone();
  const auto size = ledger_size();
  const std::string body = R"({"subject":{"type":"User","id":"a"},"action":{"name":"x"},"resource":{"type":"T","id":"1"}})";
  for (const std::string path : {"/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/subject",
                                 "/access/v1/search/resource", "/access/v1/search/action"}) {
    auto r = call("POST", path, workload(kResourceServer), body, "text/plain");
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_NE(json(r)["error"].get<std::string>().find("application/json"), std::string::npos) << r.body;
    Request untyped;
    untyped.method = "POST";
    untyped.target = untyped.path = path;
    untyped.headers.emplace_back("authorization", "Bearer " + workload(kResourceServer));
    untyped.body = body;
    EXPECT_EQ(answer_of(app->handle(untyped)).status, 400) << path << " without a Content-Type";
  }
  EXPECT_EQ(call("POST", "/access/v1/evaluation", workload(kResourceServer), body).status, 200);
  EXPECT_EQ(ledger_size(), size + 1);
}

// On a network thread an evaluation is answered only from memory (a caller
// remembered, actors and policies checked within 100 ms, a general request);
// anything else is handed off to the handler pool untouched.
// A POST as a network thread hands it to the application (serve.cc's
// network_thread_paths).
Request network_thread_post(const std::string& path, const std::string& bearer, const std::string& body) {
  Request r;
  r.method = "POST";
  r.target = r.path = path;
  r.headers = {{"authorization", "Bearer " + bearer}, {"content-type", "application/json"}};
  r.body = body;
  r.on_network_thread = true;
  return r;
}

// Handles `r` as a network thread would, when it is expected to be
// answered there. A remembered caller is also handed off while the policy
// set was last checked over 100 ms ago, which a loaded machine can take
// between two statements: the set is checked again and the request handled
// again, a few times, before a hand-off counts.
Response handled_on_network_thread(Application& app, const Request& r) {
  Response out;
  for (int attempt = 0; attempt < 20; ++attempt) {
    app.broker().policy_snapshot();
    Request copy = r;
    out = app.handle(copy);
    if (!out.hand_off) break;
  }
  return out;
}

TEST_F(ServerApp, AnEvaluationOnANetworkThreadIsAnsweredFromMemoryOrHandedOff) {
  register_everyone();
  const std::string general = R"({"subject":{"type":"User","id":"a"},"action":{"name":"x"},"resource":{"type":"T","id":"1"}})";
  const std::string bound = R"({"subject":{"type":"mandate","id":"m"},"action":{"name":"deploy"},"resource":{"type":"T","id":"1"}})";
  const std::string token = workload(kResourceServer);
  const auto on_network_thread = [&](const std::string& body) {
    Request r = network_thread_post("/access/v1/evaluation", token, body);
    return app->handle(r);
  };
  auto size = ledger_size();
  EXPECT_TRUE(on_network_thread(general).hand_off) << "a token never verified was taken on trust";
  EXPECT_EQ(call("POST", "/access/v1/evaluation", token, general).status, 200);  // verifies and remembers it
  EXPECT_EQ(ledger_size(), size + 1);
  auto answered = handled_on_network_thread(*app, network_thread_post("/access/v1/evaluation", token, general));
  ASSERT_FALSE(answered.hand_off);
  const Response answer = answer_of(std::move(answered));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json(answer)["context"]["ledger_index"], size + 1);
  EXPECT_EQ(ledger_size(), size + 2);
  size = ledger_size();
  EXPECT_TRUE(on_network_thread(bound).hand_off) << "a mandate-bound decision waits for its commit";
  EXPECT_EQ(ledger_size(), size);

  // The caller suspended: the cache is stale, so the next one is handed off;
  // once the pool has re-read it, the refusal comes from memory.
  ASSERT_EQ(call("POST", "/v1/actors/spiffe%3A%2F%2Fexample.org%2Frs%2Fpayments/suspend", human("admin"),
                 R"({"reason":"rotating"})").status, 200);
  size = ledger_size();
  EXPECT_TRUE(on_network_thread(general).hand_off);
  EXPECT_EQ(call("POST", "/access/v1/evaluation", token, general).status, 403);
  const auto refused = handled_on_network_thread(*app, network_thread_post("/access/v1/evaluation", token, general));
  EXPECT_FALSE(refused.hand_off);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(ledger_size(), size);
}

// A mandate-bound decision on a network thread: handed off, changing
// nothing, until the caller is known from memory; then decided without
// waiting and answered once durable, as the pool answers it; a replay is
// the same deny there.
TEST_F(ServerApp, AMandateDecisionOnANetworkThreadIsDecidedWithoutWaitingOrHandedOff) {
  register_everyone();
  const std::string task = approved_task();
  auto issued = call("POST", "/v1/tasks/" + task + "/mandates", workload(kDeployer), "{}");
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string mandate = json(issued)["token"];
  const std::string token = workload(kResourceServer);
  const auto body = [&] {
    return nlohmann::json{{"token", mandate}, {"proof", prove(mandate, "deploy", "prod/payments")}, {"action", "deploy"},
                          {"resource", "prod/payments"}}.dump();
  };
  const auto on_network_thread = [&](const std::string& decision) {
    Request r = network_thread_post("/v1/decisions", token, decision);
    return app->handle(r);
  };
  const auto decided_on_network_thread = [&](const std::string& decision) {
    return handled_on_network_thread(*app, network_thread_post("/v1/decisions", token, decision));
  };
  auto size = ledger_size();
  EXPECT_TRUE(on_network_thread(body()).hand_off) << "a token never verified was taken on trust";
  EXPECT_EQ(ledger_size(), size);
  ASSERT_EQ(call("POST", "/v1/decisions", token, body()).status, 200);  // verifies and remembers the caller
  size = ledger_size();
  const std::string fresh = body();
  auto answered = decided_on_network_thread(fresh);
  ASSERT_FALSE(answered.hand_off);
  const Response answer = answer_of(std::move(answered));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json(answer)["decision"], "allow") << answer.body;
  EXPECT_EQ(json(answer)["ledger_index"], size);
  EXPECT_EQ(ledger_size(), size + 1);
  const Response replay = answer_of(decided_on_network_thread(fresh));
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(json(replay)["decision"], "deny");
  EXPECT_EQ(json(replay)["decided_by"], "proof");
  EXPECT_EQ(ledger_size(), size + 2);
  const auto malformed = decided_on_network_thread(R"({"token":"not-a-jws","action":"deploy","resource":"prod/payments"})");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_EQ(ledger_size(), size + 2);
}

// The default limit of items per batch: beyond it, 400 and nothing decided.
TEST_F(ServerApp, ABatchBeyondMaxBatchItemsIs400) {
  register_everyone();
  const auto size = ledger_size();
  nlohmann::json batch = {{"subject", {{"type", "User"}, {"id", "a"}}}, {"action", {{"name", "x"}}},
                          {"evaluations", nlohmann::json::array()}};
  for (int i = 0; i < 1001; ++i) batch["evaluations"].push_back({{"resource", {{"type", "T"}, {"id", std::to_string(i)}}}});
  auto r = call("POST", "/access/v1/evaluations", workload(kResourceServer), batch.dump());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(json(r)["error"].get<std::string>().find("at most 1000"), std::string::npos) << r.body;
  EXPECT_EQ(ledger_size(), size);
}

// The decision API admits a caller once, at the edge: a registered, active
// workload. A suspended one is refused there, before the service decides
// or records anything.
TEST_F(ServerApp, TheDecisionApiAdmitsOnlyActiveWorkloads) {
  register_everyone();
  const std::string body = R"({"subject":{"type":"User","id":"a"},"action":{"name":"x"},"resource":{"type":"T","id":"1"}})";
  EXPECT_EQ(call("POST", "/access/v1/evaluation", workload(kResourceServer), body).status, 200);
  ASSERT_EQ(call("POST", "/v1/actors/spiffe%3A%2F%2Fexample.org%2Frs%2Fpayments/suspend", human("admin"),
                 R"({"reason":"rotating"})").status, 200);
  const auto size = ledger_size();
  for (const std::string path : {"/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/action"}) {
    const auto r = call("POST", path, workload(kResourceServer), body);
    EXPECT_EQ(r.status, 403) << path << ": " << r.body;
    EXPECT_NE(r.body.find("suspended"), std::string::npos) << r.body;
  }
  const auto r = call("POST", "/access/v1/evaluation", human("bob"), body);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("enforcement points"), std::string::npos) << r.body;
  EXPECT_EQ(ledger_size(), size);
}

TEST_F(ServerApp, EachKindCallsOnlyWhatItMay) {
  register_everyone();
  const std::string task = approved_task();
  const auto size = ledger_size();
  // A workload never approves; a human never presents a mandate nor takes one.
  EXPECT_EQ(call("POST", "/v1/tasks/" + task + "/approvals", workload(kDeployer), "{}").status, 403);
  EXPECT_EQ(call("POST", "/v1/decisions", human("bob"), R"({"token":"a.b.c","action":"deploy","resource":"x"})").status, 403);
  EXPECT_EQ(call("POST", "/v1/tasks/" + task + "/mandates", human("alice")).status, 403);
  EXPECT_EQ(call("POST", "/access/v1/evaluation", human("bob"),
                 R"({"subject":{"type":"User","id":"a"},"action":{"name":"x"},"resource":{"type":"T","id":"1"}})").status, 403);
  // Administration is for administrators.
  EXPECT_EQ(call("POST", "/v1/actors", human("alice"), R"({"id":"eve","kind":"human"})").status, 403);
  // Another workload cannot take the deployer's mandate.
  auto r = call("POST", "/v1/tasks/" + task + "/mandates", workload(kResourceServer));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ledger_size(), size);
  // A suspended actor is refused from the next request on.
  ASSERT_EQ(call("POST", "/v1/actors/carol/suspend", human("admin"), R"({"reason":"left the team"})").status, 200);
  r = call("GET", "/v1/tasks", human("carol"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("suspended"), std::string::npos) << r.body;
}

TEST_F(ServerApp, BadInputGetsAClearErrorAndChangesNothing) {
  register_everyone();
  const auto alice = human("alice");
  const auto size = ledger_size();
  auto r = call("POST", "/v1/tasks", alice, "{\"intent\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json(r)["error"].get<std::string>().find("request body"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/tasks", alice, R"({"intent":"x"})", "text/plain").status, 415);
  EXPECT_EQ(call("POST", "/v1/tasks", alice, R"({"intent":1})").status, 400);
  EXPECT_EQ(call("POST", "/v1/tasks", alice, R"({"intent":"x","intent":"y"})").status, 400) << "duplicate members";
  EXPECT_EQ(call("GET", "/v1/tasks/t-nope", alice).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/tasks", alice).status, 405);
  EXPECT_EQ(call("PUT", "/v1/policies", human("admin"), "permit(principal,", "text/plain").status, 400);
  EXPECT_EQ(call("POST", "/oauth/token", "", "grant_type=password", "application/x-www-form-urlencoded").status, 400);
  EXPECT_EQ(call("GET", "/v1/ledger/proofs/inclusion?index=abc", alice).status, 400);
  EXPECT_EQ(ledger_size(), size);
}

// One key, one actor: a key another actor holds is a conflict (409) that
// names that actor, and nothing is written.
TEST_F(ServerApp, AKeyAnotherActorHoldsIs409) {
  register_everyone();
  const auto size = ledger_size();
  const auto key = nlohmann::json::parse(executor_key.public_key().jwk_json()).dump();
  const auto r = call("POST", "/v1/actors", human("admin"),
                      nlohmann::json{{"id", "spiffe://example.org/ci/other"}, {"kind", "workload"}, {"owner", "alice"},
                                     {"public_key", key}}.dump());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json(r)["error"].get<std::string>().find(std::string("this key is already registered for workload ") + kDeployer),
            0u)
      << r.body;
  EXPECT_EQ(ledger_size(), size);
  EXPECT_EQ(call("GET", "/v1/actors", human("admin")).body.find("ci/other"), std::string::npos);
}

// Every route with a path parameter: bytes that are not UTF-8 (escaped or
// raw) cannot name anything; the answer is a 400 whose JSON message shows
// the bytes escaped, never a 500, and nothing changes.
TEST_F(ServerApp, APathParameterThatIsNotUtf8IsA400OnEveryRoute) {
  register_everyone();
  const auto size = ledger_size();
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/actors/{id}"},           {"POST", "/v1/actors/{id}/suspend"},   {"POST", "/v1/actors/{id}/offboard"},
      {"GET", "/v1/tasks/{id}"},            {"POST", "/v1/tasks/{id}/cancel"},     {"POST", "/v1/tasks/{id}/approvals"},
      {"POST", "/v1/tasks/{id}/denials"},   {"POST", "/v1/tasks/{id}/outcome"},    {"POST", "/v1/tasks/{id}/mandates"},
      {"POST", "/v1/mandates/{jti}/revoke"}, {"POST", "/v1/reviews/{task}"},       {"GET", "/v1/trace/{id}"},
      {"GET", "/v1/evidence/{task}"},       {"GET", "/v1/ledger/entries/{index}"}};
  for (const std::string bad : {"%FF", "\xff", "a%C3%28b", "%ED%A0%80"}) {  // lone byte, raw byte, broken pair, surrogate
    for (const auto& [method, pattern] : routes) {
      std::string target = pattern;
      const auto open = target.find('{');
      target.replace(open, target.find('}') - open + 1, bad);
      const auto r = call(method, target, human("admin"), method == "POST" ? R"({"reason":"x","outcome":"success"})" : "");
      EXPECT_EQ(r.status, 400) << method << " " << target << ": " << r.body;
      EXPECT_EQ(r.route, pattern);
      const auto body = nlohmann::json::parse(r.body, nullptr, false);
      ASSERT_TRUE(body.is_object()) << r.body;
      EXPECT_NE(body["error"].get<std::string>().find("is not UTF-8: "), std::string::npos) << r.body;
    }
  }
  const auto r = call("GET", "/v1/actors/a%FFb", human("admin"));
  EXPECT_EQ(json(r)["error"], "path parameter id is not UTF-8: \"a\\xFFb\"");
  EXPECT_EQ(ledger_size(), size);
}

TEST_F(ServerApp, DiscoveryAndOperationsDocuments) {
  auto r = call("GET", "/.well-known/oauth-authorization-server", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r)["issuer"], "https://mandate.test");
  EXPECT_EQ(json(r)["token_endpoint"], "https://mandate.test/oauth/token");
  r = call("GET", "/.well-known/jwks.json", "");
  EXPECT_EQ(json(r)["keys"].size(), 1u);
  r = call("GET", "/.well-known/authzen-configuration", "");
  EXPECT_EQ(json(r)["policy_decision_point"], "https://mandate.test");
  EXPECT_FALSE(json(r)["capabilities"].empty());
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(call("GET", "/readyz", "").status, 200);
  r = call("GET", "/metrics", "");
  EXPECT_NE(r.body.find("mandate_ledger_entries "), std::string::npos);
}

TEST(ServerConfig, RefusesMistakesWithTheirPlace) {
  mandate::testing::TempDir tmp;
  auto bad = parse_server_config("[listen]\nport = \"80\"\n", "m.toml", tmp.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("m.toml:2:"), std::string::npos) << bad.error();
  bad = parse_server_config("[listen]\nprot = 80\n", "m.toml", tmp.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("unknown setting listen.prot"), std::string::npos) << bad.error();
  bad = parse_server_config("[limits]\nrequest_timeout = \"soon\"\n", "m.toml", tmp.path());
  ASSERT_FALSE(bad);
  bad = parse_server_config("[tls]\ncertificate = \"c.pem\"\n", "m.toml", tmp.path());
  ASSERT_FALSE(bad);
  bad = parse_server_config("[authzen]\nmax_batch_items = 0\n", "m.toml", tmp.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("m.toml:2:"), std::string::npos) << bad.error();
  auto good = parse_server_config("[listen]\nport = 0\n[limits]\nmax_body_bytes = 4096\n[authzen]\nmax_batch_items = 50\n",
                                  "m.toml", tmp.path());
  ASSERT_TRUE(good) << good.error();
  EXPECT_EQ(good->listen.limits.max_body_bytes, 4096u);
  EXPECT_EQ(good->max_batch_items, 50u);
  EXPECT_EQ(parse_server_config("", "m.toml", tmp.path())->max_batch_items, 1000u);
  // Port 0: the defaults that name this server wait for the port actually bound.
  EXPECT_EQ(good->issuer, "");
  settle_bound_port(*good, 41234);
  EXPECT_EQ(good->public_url, "http://127.0.0.1:41234");
  EXPECT_EQ(good->issuer, "http://127.0.0.1:41234");
  EXPECT_EQ(good->audience, "http://127.0.0.1:41234");
  auto fixed = parse_server_config("[listen]\nport = 8443\n", "m.toml", tmp.path());
  EXPECT_EQ(fixed->issuer, "http://127.0.0.1:8443");
}


// [witnesses]: the policy file is read at start, and its mistakes stop the
// server with the setting's place and the policy's line.
TEST(ServerConfig, WitnessesNeedAReadablePolicyWithSomewhereToSend) {
  mandate::testing::TempDir tmp;
  const auto witness = crypto::Ed25519PrivateKey::generate();
  const std::string vkey = witness::Cosigner::for_key("w.example/w1", witness.public_key()).to_string();
  mandate::testing::write_file(tmp / "good.policy", "witness w1 " + vkey + " http://127.0.0.1:7380\nquorum w1\n");
  mandate::testing::write_file(tmp / "no-url.policy", "witness w1 " + vkey + "\nquorum w1\n");
  mandate::testing::write_file(tmp / "bad.policy", "witness w1 " + vkey + " http://127.0.0.1:7380\nquorum w2\n");

  auto good = parse_server_config("[witnesses]\npolicy = \"good.policy\"\ninterval = \"2s\"\nrequired_for_ready = true\n",
                                  "m.toml", tmp.path());
  ASSERT_TRUE(good) << good.error();
  ASSERT_TRUE(good->witnesses);
  EXPECT_EQ(good->witnesses->interval, std::chrono::seconds(2));
  EXPECT_EQ(good->witnesses->timeout, std::chrono::seconds(5));
  EXPECT_TRUE(good->witnesses->required_for_ready);
  EXPECT_EQ(good->witnesses->policy->witnesses().size(), 1u);
  EXPECT_FALSE(parse_server_config("", "m.toml", tmp.path())->witnesses);

  const auto refused = [&](const std::string& text, const std::string& why) {
    const auto config = parse_server_config(text, "m.toml", tmp.path());
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().find(why), std::string::npos) << config.error();
  };
  refused("[witnesses]\ninterval = \"2s\"\n", "m.toml:1:1: [witnesses] needs policy");
  refused("[witnesses]\npolicy = \"missing.policy\"\n", "m.toml:2:10: cannot read the witness policy");
  refused("[witnesses]\npolicy = \"bad.policy\"\n", "bad.policy: policy line 2: quorum w2 is not defined above");
  refused("[witnesses]\npolicy = \"no-url.policy\"\n", "no witness line has a URL");
  refused("[witnesses]\npolicy = \"good.policy\"\nquorum = 2\n", "unknown setting witnesses.quorum");
  refused("[witnesses]\npolicy = \"good.policy\"\ntimeout = \"soon\"\n", "m.toml:3:");
}

}  // namespace
}  // namespace mandate::server
