// Workload callers presenting an X.509-SVID as mTLS client certificate.
#include <gtest/gtest.h>

#include "auth_setup.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "identity/internal/x509_svid.h"

namespace mandate::identity::testing {
namespace {

class X509Svids : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir / "example.pem", example.root().pem);
    write_file(dir / "other.pem", other.root().pem);
    auth.emplace(make_authenticator(R"([identity]
audience = "https://mandate.example"
[[identity.workload]]
kind = "x509-svid"
trust_domain = "example.org"
bundle = "example.pem"
[[identity.workload.map]]
match = "spiffe://example.org/ci/*"
actor = "ci-deployer"
[[identity.workload]]
kind = "x509-svid"
trust_domain = "other.org"
bundle = "other.pem"
[[identity.workload.map]]
match = "*"
actor = "other-workload"
)",
                                    dir.path(), std::make_shared<FakeFetcher>(), clock.clock()));
  }
  static LeafOptions leaf(std::vector<std::string> uris) {
    LeafOptions o;
    o.uris = std::move(uris);
    return o;
  }
  void expect_refused(std::vector<std::string> chain, const std::string& fragment) {
    auto result = auth->authenticate(Presented{std::nullopt, std::move(chain)});
    ASSERT_FALSE(result.has_value()) << result->actor_id;
    EXPECT_NE(result.error().reason.find(fragment), std::string::npos) << result.error().reason;
  }

  TempDir dir;
  ManualClock clock;
  TestPki example{"example.org"};
  TestPki other{"other.org"};
  std::optional<Authenticator> auth;
};

TEST_F(X509Svids, ValidChainMapsAndCarriesTheThumbprint) {
  const Cert svid = example.leaf(leaf({"spiffe://example.org/ci/deployer"}));
  auto id = auth->authenticate(Presented{std::nullopt, example.chain(svid)});
  ASSERT_TRUE(id.has_value()) << id.error().reason;
  EXPECT_EQ(id->actor_id, "ci-deployer");
  EXPECT_EQ(id->kind, "workload");
  EXPECT_EQ(id->authenticated_by, "x509-svid:spiffe://example.org/ci/deployer");
  EXPECT_EQ(id->certificate_thumbprint, encoding::base64url_encode(crypto::sha256(svid.der)));
  // The certificate wins over a bearer token presented with it.
  auto both = auth->authenticate(Presented{std::string("garbage"), example.chain(svid)});
  ASSERT_TRUE(both.has_value()) << both.error().reason;
  EXPECT_EQ(both->actor_id, "ci-deployer");
}

TEST_F(X509Svids, CertificateFromAnotherTrustDomainsCaIsRefused) {
  // other.org's CA issues a certificate naming example.org.
  const Cert forged = other.leaf(leaf({"spiffe://example.org/ci/deployer"}));
  expect_refused(other.chain(forged), "does not verify against the bundle of trust domain example.org");
  // Its own trust domain verifies only against its own bundle.
  auto own = auth->authenticate(Presented{std::nullopt, other.chain(other.leaf(leaf({"spiffe://other.org/x"})))});
  ASSERT_TRUE(own.has_value()) << own.error().reason;
  EXPECT_EQ(own->actor_id, "other-workload");
  // A trust domain not configured at all.
  TestPki third("third.org");
  expect_refused(third.chain(third.leaf(leaf({"spiffe://third.org/ci/deployer"}))), "third.org is not configured");
}

TEST_F(X509Svids, DefectiveLeavesAreRefused) {
  expect_refused({TestPki::self_signed(leaf({"spiffe://example.org/ci/deployer"})).der}, "does not verify");
  LeafOptions ca = leaf({"spiffe://example.org/ci/deployer"});
  ca.is_ca = true;
  ca.key_cert_sign = true;
  expect_refused(example.chain(example.leaf(ca)), "CA certificate");
  expect_refused(example.chain(example.leaf(leaf({"spiffe://example.org/ci/a", "spiffe://example.org/ci/b"}))),
                 "2 URI SANs");
  expect_refused(example.chain(example.leaf(leaf({}))), "0 URI SANs");
  LeafOptions no_signature = leaf({"spiffe://example.org/ci/deployer"});
  no_signature.digital_signature = false;
  expect_refused(example.chain(example.leaf(no_signature)), "key usage");
  expect_refused(example.chain(example.leaf(leaf({"spiffe://example.org/ci/../admin"}))), "relative path");
  expect_refused(example.chain(example.leaf(leaf({"spiffe://Example.org/ci/deployer"}))), "trust domain");
  // The intermediate left out: the chain does not reach the root.
  expect_refused({example.leaf(leaf({"spiffe://example.org/ci/deployer"})).der}, "does not verify");
  expect_refused({std::string("not DER")}, "not one DER certificate");
}

TEST_F(X509Svids, ExpiredSvidIsRefused) {
  const Cert svid = example.leaf(leaf({"spiffe://example.org/ci/deployer"}));  // valid for a day
  clock.advance(std::chrono::hours(48));
  expect_refused(example.chain(svid), "expired");
}

TEST_F(X509Svids, UnmappedSvidIsRefused) {
  expect_refused(example.chain(example.leaf(leaf({"spiffe://example.org/web/frontend"}))),
                 "no mapping for x509-svid spiffe://example.org/web/frontend");
}

TEST(SpiffeIds, ParseAsTheSpecificationSays) {
  EXPECT_TRUE(parse_spiffe_id("spiffe://example.org/ns/prod/sa/deployer").has_value());
  for (const char* bad : {"spiffe://example.org", "spiffe://example.org/", "spiffe://example.org/a//b",
                          "spiffe://example.org/a/", "spiffe://ex ample.org/a", "spiffe://example.org:8443/a",
                          "spiffe://user@example.org/a", "spiffe://example.org/a?q", "spiffe://example.org/a#f",
                          "SPIFFE://example.org/a", "https://example.org/a", "spiffe:///a"}) {
    EXPECT_FALSE(parse_spiffe_id(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mandate::identity::testing
