#include "cli/internal/cli_context.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/error.h"

#include "home/home.h"

namespace mandate::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  auto* home = app.add_option("--home", options.home, "Home directory (default: $MANDATE_HOME, else ./.mandate)");
  auto* server = app.add_option("--server", options.remote.server,
                                "Work against a running `mandate serve` at this URL instead of a local home")
                     ->envname("MANDATE_SERVER");
  home->excludes(server);
  app.add_option("--token", options.remote.token,
                 "Bearer credential for --server: an OIDC ID token (humans) or a JWT-SVID, GitHub or Kubernetes "
                 "token (workloads); inline, @file or -")
      ->envname("MANDATE_TOKEN");
  auto* cert = app.add_option("--cert", options.remote.cert, "mTLS client certificate (PEM) for --server, e.g. an X.509-SVID")
                   ->needs(server);
  auto* key = app.add_option("--key", options.remote.key, "The client certificate's private key (PEM)")->needs(server);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--ca", options.remote.ca, "CA bundle that verifies the server's certificate (default: the system's)")
      ->needs(server);
}

void require_local(const GlobalOptions& options) {
  if (options.is_remote()) {
    fail(ErrorKind::bad_input,
         "this command works on a local home only and cannot be used with --server (or $MANDATE_SERVER); "
         "run it where the home is");
  }
}

std::unique_ptr<home::Home> open_home(const GlobalOptions& options) {
  require_local(options);
  return home::Home::open(home::resolve_home(options.home));
}

void print_json(const nlohmann::json& value) { std::cout << value.dump() << "\n"; }

}  // namespace mandate::cli
