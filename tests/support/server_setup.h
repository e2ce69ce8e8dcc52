#pragma once
// What the tests that run mandate as a server share (tests/server through
// Application::handle or `mandate serve`, tests/cli with --server): who calls
// it, the mandate.toml that trusts them, and the approval rule and policy
// their workflow runs under.
#include <chrono>
#include <filesystem>
#include <string>

#include "support/jwt_signer.h"

namespace mandate::testing {

inline constexpr const char* kOrigin = "mandate.test/ledger";         // the home's ledger
inline constexpr const char* kAudience = "https://mandate.test";      // the server: issuer, audience, public URL
inline constexpr const char* kIdp = "https://idp.test";               // the humans' OpenID provider
inline constexpr const char* kDeployer = "spiffe://example.org/ci/deployer";         // the executor
inline constexpr const char* kResourceServer = "spiffe://example.org/rs/payments";   // asks for decisions

// Prod deploys: two approvals from sre, tasks up to 1h, mandates up to 10m and 3 uses.
inline constexpr const char* kProdRules =
    "[[rule]]\nid = \"prod\"\ndetail_types = [\"deploy\"]\napprovals = 2\napprover_groups = [\"sre\"]\n"
    "max_task_duration = \"1h\"\nmax_mandate_lifetime = \"10m\"\nmax_uses = 3\n";
// Members of Group::"deployers" may deploy.
inline constexpr const char* kDeployersPolicy =
    "permit (principal in Group::\"deployers\", action == Action::\"deploy\", resource);\n";

// The identity providers of those tests: humans present ID tokens from kIdp,
// workloads JWT-SVIDs of example.org, each signed with its own key. A test
// fixture derives from it to call human() and workload().
struct ServerCallers {
  JwtSigner idp{.kid = "idp-1"};
  JwtSigner trust_domain{.kid = "td-1"};

  std::string human(const std::string& sub, std::chrono::seconds lifetime = std::chrono::minutes(5)) const;
  std::string workload(const std::string& spiffe_id) const;
  // idp.jwks and td.jwks in `dir`, where server_config_text's config finds them.
  void write_jwks(const std::filesystem::path& dir) const;
};

// mandate.toml for a server on `home`: mandates issued by and for kAudience,
// "admin" administers, no access log; humans from kIdp (idp.jwks), workloads
// as JWT-SVIDs of example.org (td.jwks) with kDeployer and every
// spiffe://example.org/rs/* (as kResourceServer) mapped to actors.
// `settings` (top-level keys, then whole tables such as [listen]) comes
// first.
std::string server_config_text(const std::string& home, const std::string& settings = "");

}  // namespace mandate::testing
