#include "core/identity.h"

#include <gtest/gtest.h>

namespace mandate::core {
namespace {

TEST(IdentityTest, EnumRoundTrips) {
  for (auto k : {IdentityKind::oidc_subject, IdentityKind::x509_svid, IdentityKind::jwt_svid,
                 IdentityKind::github_actions_oidc, IdentityKind::kubernetes_service_account}) {
    EXPECT_EQ(parse_identity_kind(to_string(k)), k);
  }
  EXPECT_FALSE(parse_identity_kind("oidc"));
}

TEST(IdentityTest, OnlyOidcSubjectsProveHumans) {
  EXPECT_TRUE(can_prove(IdentityKind::oidc_subject, ActorKind::human));
  EXPECT_FALSE(can_prove(IdentityKind::oidc_subject, ActorKind::workload));
  EXPECT_FALSE(can_prove(IdentityKind::x509_svid, ActorKind::human));
  EXPECT_FALSE(can_prove(IdentityKind::github_actions_oidc, ActorKind::human));
  EXPECT_TRUE(can_prove(IdentityKind::jwt_svid, ActorKind::workload));
  EXPECT_TRUE(can_prove(IdentityKind::kubernetes_service_account, ActorKind::agent));
}

TEST(IdentityTest, ValidatesPerKind) {
  Identity oidc{IdentityKind::oidc_subject, "https://accounts.example.com", "248289761001", "alice"};
  EXPECT_TRUE(validate_identity(oidc));
  oidc.issuer = "";
  EXPECT_FALSE(validate_identity(oidc));
  oidc.issuer = "accounts";  // not a URI
  EXPECT_FALSE(validate_identity(oidc));

  Identity svid{IdentityKind::x509_svid, "", "spiffe://example.org/ci", "spiffe://example.org/ci"};
  EXPECT_TRUE(validate_identity(svid));
  svid.issuer = "https://example.org";
  EXPECT_FALSE(validate_identity(svid));
  svid.issuer = "";
  svid.subject = "spiffe://example.org";
  EXPECT_FALSE(validate_identity(svid));

  Identity gha{IdentityKind::github_actions_oidc, "https://token.actions.githubusercontent.com",
               "repo:octo-org/octo-repo:ref:refs/heads/main", "repo:octo-org/octo-repo"};
  EXPECT_TRUE(validate_identity(gha));
  gha.actor_id = "";
  EXPECT_FALSE(validate_identity(gha));
}

}  // namespace
}  // namespace mandate::core
