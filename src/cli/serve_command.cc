#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/internal/cli_context.h"
#include "server/serve.h"

namespace mandate::cli {

void add_serve_command(CLI::App& app, GlobalOptions& options) {
  auto config = std::make_shared<std::string>("mandate.toml");
  auto* cmd = app.add_subcommand("serve", "Serve the workflow, OAuth, AuthZEN and ledger endpoints over HTTP(S)");
  cmd->add_option("--config", *config, "The server's config file (see docs/operations.md)")->capture_default_str();
  cmd->callback([&options, config] {
    require_local(options);
    server::serve(*config, std::cout);
  });
}

}  // namespace mandate::cli
