#include "support/server_setup.h"

#include "support/files.h"

namespace mandate::testing {

std::string ServerCallers::human(const std::string& sub, std::chrono::seconds lifetime) const {
  return idp.sign({{"iss", kIdp}, {"aud", kAudience}, {"sub", sub}}, lifetime);
}

std::string ServerCallers::workload(const std::string& spiffe_id) const {
  return trust_domain.sign({{"sub", spiffe_id}, {"aud", kAudience}});
}

void ServerCallers::write_jwks(const std::filesystem::path& dir) const {
  write_file(dir / "idp.jwks", idp.jwks());
  write_file(dir / "td.jwks", trust_domain.jwks());
}

std::string server_config_text(const std::string& home, const std::string& settings) {
  const std::string audience(kAudience);
  return "home = \"" + home + "\"\n" + settings +
         "[mandates]\nissuer = \"" + audience + "\"\n"
         "[access]\nadministrators = [\"admin\"]\n"
         "[log]\naccess = \"off\"\n"
         "[identity]\naudience = \"" + audience + "\"\n"
         "[[identity.oidc]]\nissuer = \"" + kIdp + "\"\njwks_file = \"idp.jwks\"\n"
         "[[identity.workload]]\nkind = \"jwt-svid\"\ntrust_domain = \"example.org\"\njwks_file = \"td.jwks\"\n"
         "[[identity.workload.map]]\nmatch = \"" + kDeployer + "\"\nactor = \"" + kDeployer + "\"\n"
         "[[identity.workload.map]]\nmatch = \"spiffe://example.org/rs/*\"\nactor = \"" + kResourceServer + "\"\n";
}

}  // namespace mandate::testing
