#include <iostream>

#include <CLI/CLI.hpp>

#include "broker/broker.h"
#include "cli/internal/cli_context.h"
#include "cli/internal/workflow_context.h"
#include "core/error.h"
#include "encoding/json.h"
#include "server/mcp_gateway.h"
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

void add_mcp_command(CLI::App& app, GlobalOptions& options) {
  auto config = std::make_shared<std::string>("mandate.toml");
  auto* cmd = app.add_subcommand("mcp", "Run the MCP gateway: every tool call an agent makes, decided against its mandate and recorded");
  cmd->add_option("--config", *config, "The config file with an [mcp] section (see docs/agents.md)")->capture_default_str();
  auto arguments = std::make_shared<std::string>();
  auto* digest = cmd->add_subcommand("digest", "The digest the ledger records for a tool call's arguments (SHA-256 of their RFC 8785 canonical JSON)");
  digest->add_option("arguments", *arguments, "The arguments as a JSON object, or @FILE")->required();
  digest->callback([arguments] {
    const std::string text = argument_value(*arguments, "arguments");
    auto parsed = encoding::parse_json_strict(text);
    if (!parsed) fail(ErrorKind::bad_input, "arguments: " + parsed.error());
    if (!parsed->is_object()) fail(ErrorKind::bad_input, "arguments: must be a JSON object");
    print_json({{"arguments_sha256", broker::arguments_digest(*parsed)}});
  });
  cmd->callback([&options, config, digest] {
    if (digest->parsed()) return;
    require_local(options);
    server::serve_mcp(*config, std::cout);
  });
}

}  // namespace mandate::cli
