// Workload callers presenting JWTs: JWT-SVIDs against a trust domain's key
// set, GitHub Actions OIDC tokens and Kubernetes service-account tokens
// against their issuers, mapped to registered actors by the rules.
#include <gtest/gtest.h>

#include "auth_setup.h"

namespace mandate::identity::testing {
namespace {

using Json = nlohmann::json;
const std::string kGithub = "https://token.actions.githubusercontent.com";
const std::string kKubernetes = "https://kubernetes.default.svc.cluster.local";

class Workloads : public ::testing::Test {
 protected:
  void SetUp() override {
    // A SPIFFE trust bundle: JWT keys marked "use":"jwt-svid", beside an
    // X.509 authority that must not be taken for a JWT key.
    Json bundle = jwks_of({svid_key});
    bundle["keys"][0]["use"] = "jwt-svid";
    Json x509_authority = TestKey::generate("ES256", "x509-ca").public_jwk();
    x509_authority["use"] = "x509-svid";
    bundle["keys"].push_back(x509_authority);
    bundle["spiffe_sequence"] = 1;
    write_file(dir / "spiffe-jwks.json", bundle.dump());
    write_file(dir / "k8s-jwks.json", jwks_of({k8s_key}).dump());
    fetcher->serve(kGithub + "/.well-known/openid-configuration",
                   Json{{"issuer", kGithub}, {"jwks_uri", kGithub + "/.well-known/jwks"}}.dump());
    fetcher->serve(kGithub + "/.well-known/jwks", jwks_of({github_key}).dump());
    auth.emplace(make_authenticator(R"([identity]
audience = "https://mandate.example"

[[identity.workload]]
kind = "jwt-svid"
trust_domain = "example.org"
jwks_file = "spiffe-jwks.json"
[[identity.workload.map]]
match = "spiffe://example.org/ci/*"
actor = "ci-deployer"
[[identity.workload.map]]
match = "spiffe://example.org/agents/*"
actor = "release-agent"
kind = "agent"

[[identity.workload]]
kind = "github-actions"
audience = "mandate"
[[identity.workload.map]]
repository = "acme/app"
ref = "refs/heads/main"
workflow = "deploy"
actor = "app-deployer"
[[identity.workload.map]]
repository = "acme/*"
actor = "acme-ci"
kind = "agent"

[[identity.workload]]
kind = "kubernetes"
issuer = "https://kubernetes.default.svc.cluster.local"
jwks_file = "k8s-jwks.json"
[[identity.workload.map]]
namespace = "payments"
serviceaccount = "deployer"
actor = "payments-deployer"
)",
                                    dir.path(), fetcher));
  }
  static Json times(Json claims) {
    claims["iat"] = now_seconds();
    claims["exp"] = now_seconds() + 300;
    return claims;
  }
  std::expected<Identity, AuthFailure> present(const std::string& token) {
    return auth->authenticate(Presented{token, {}});
  }
  void expect_refused(const std::string& token, const std::string& fragment) {
    auto result = present(token);
    ASSERT_FALSE(result.has_value()) << result->actor_id;
    EXPECT_NE(result.error().reason.find(fragment), std::string::npos) << result.error().reason;
    expect_not_quoted(result.error().reason, token);
  }

  TempDir dir;
  std::shared_ptr<FakeFetcher> fetcher = std::make_shared<FakeFetcher>();
  TestKey svid_key = TestKey::generate("ES256", "spire-1");
  TestKey github_key = TestKey::generate("RS256", "gh-1");
  TestKey k8s_key = TestKey::generate("RS256", "k8s-1");
  std::optional<Authenticator> auth;
};

TEST_F(Workloads, JwtSvidOfTheTrustDomainMapsByRule) {
  auto id = present(make_jwt(svid_key, times({{"sub", "spiffe://example.org/ci/deployer"},
                                              {"aud", Json::array({"https://mandate.example"})}})));
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "ci-deployer");
  EXPECT_EQ(id->kind, "workload");
  EXPECT_EQ(id->authenticated_by, "jwt-svid:spiffe://example.org/ci/deployer");
  auto agent = present(make_jwt(svid_key, times({{"sub", "spiffe://example.org/agents/release"},
                                                 {"aud", "https://mandate.example"}})));
  ASSERT_TRUE(agent.has_value()) << agent.error().reason;
  EXPECT_EQ(agent->actor_id, "release-agent");
  EXPECT_EQ(agent->kind, "agent");
}

TEST_F(Workloads, JwtSvidOfAnotherTrustDomainIsRefused) {
  // Signed with example.org's key, but naming another trust domain.
  expect_refused(make_jwt(svid_key, times({{"sub", "spiffe://other.org/ci/deployer"}, {"aud", "https://mandate.example"}})),
                 "not a configured");
  // other.org's own key, under a kid example.org uses.
  const auto other = TestKey::generate("ES256", "spire-1");
  expect_refused(make_jwt(other, times({{"sub", "spiffe://example.org/ci/deployer"}, {"aud", "https://mandate.example"}})),
                 "signature does not verify");
  expect_refused(make_jwt(svid_key, times({{"sub", "spiffe://example.org/web/frontend"}, {"aud", "https://mandate.example"}})),
                 "no mapping for jwt-svid spiffe://example.org/web/frontend");
  expect_refused(make_jwt(svid_key, times({{"sub", "spiffe://example.org/ci/deployer"}, {"aud", "someone-else"}})),
                 "\"aud\"");
}

Json github_claims(const std::string& repository, const std::string& ref, const std::string& workflow) {
  return {{"iss", kGithub},
          {"aud", "mandate"},
          {"sub", "repo:" + repository + ":ref:" + ref},
          {"repository", repository},
          {"repository_owner", repository.substr(0, repository.find('/'))},
          {"ref", ref},
          {"workflow", workflow},
          {"event_name", "push"}};
}

TEST_F(Workloads, GithubActionsTokensMapByRepositoryRefAndWorkflow) {
  auto id = present(make_jwt(github_key, times(github_claims("acme/app", "refs/heads/main", "deploy"))));
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "app-deployer");
  EXPECT_EQ(id->kind, "workload");
  EXPECT_EQ(id->authenticated_by, "github-actions:repo:acme/app:ref:refs/heads/main");
  // Another branch falls through to the second rule.
  auto branch = present(make_jwt(github_key, times(github_claims("acme/app", "refs/heads/feature", "deploy"))));
  ASSERT_TRUE(branch.has_value()) << branch.error().reason;
  EXPECT_EQ(branch->actor_id, "acme-ci");
  EXPECT_EQ(branch->kind, "agent");
  expect_refused(make_jwt(github_key, times(github_claims("evil/app", "refs/heads/main", "deploy"))),
                 "no mapping for github-actions repo:evil/app:ref:refs/heads/main");
  auto wrong_aud = github_claims("acme/app", "refs/heads/main", "deploy");
  wrong_aud["aud"] = "https://github.com/acme";
  expect_refused(make_jwt(github_key, times(wrong_aud)), "\"aud\"");
}

Json k8s_claims(const std::string& ns, const std::string& name) {
  return {{"iss", kKubernetes},
          {"aud", Json::array({"https://mandate.example"})},
          {"sub", "system:serviceaccount:" + ns + ":" + name},
          {"kubernetes.io",
           {{"namespace", ns}, {"serviceaccount", {{"name", name}, {"uid", "0d3c"}}}, {"pod", {{"name", name + "-7f9"}}}}}};
}

TEST_F(Workloads, KubernetesServiceAccountTokensMapByNamespaceAndAccount) {
  auto id = present(make_jwt(k8s_key, times(k8s_claims("payments", "deployer"))));
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "payments-deployer");
  EXPECT_EQ(id->authenticated_by, "kubernetes:system:serviceaccount:payments:deployer");
  expect_refused(make_jwt(k8s_key, times(k8s_claims("payments", "intruder"))), "no mapping for kubernetes");
  auto disagree = k8s_claims("payments", "deployer");
  disagree["kubernetes.io"]["namespace"] = "default";
  expect_refused(make_jwt(k8s_key, times(disagree)), "does not agree");
  auto legacy = k8s_claims("payments", "deployer");  // legacy secret tokens never expire
  legacy["iat"] = now_seconds();
  expect_refused(make_jwt(k8s_key, legacy), "no \"exp\"");
}

}  // namespace
}  // namespace mandate::identity::testing
