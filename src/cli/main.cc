// mandate: accountability for work that humans authorize and machines do.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/internal/cli_context.h"
#include "cli/internal/workflow_context.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"mandate — accountable delegation from humans to machines", "mandate"};
  app.require_subcommand(1);
  mandate::cli::GlobalOptions options;
  int exit_code = mandate::cli::kExitOk;
  mandate::cli::add_global_options(app, options);
  mandate::cli::add_init_command(app, options);
  mandate::cli::add_ledger_commands(app, options, exit_code);
  mandate::cli::add_keys_commands(app, options);
  mandate::cli::add_policy_commands(app, exit_code);
  mandate::cli::add_policy_load_commands(app, options);
  mandate::cli::add_actor_commands(app, options);
  mandate::cli::add_rules_commands(app, options);
  mandate::cli::add_task_commands(app, options);
  mandate::cli::add_token_commands(app, options);
  mandate::cli::add_authorize_command(app, options, exit_code);
  mandate::cli::add_review_commands(app, options);
  mandate::cli::add_trace_command(app, options);
  mandate::cli::add_evidence_commands(app, options, exit_code);
  mandate::cli::add_ingest_commands(app, options, exit_code);
  mandate::cli::add_analyze_commands(app, options, exit_code);
  mandate::cli::add_serve_command(app, options);
  mandate::cli::add_mcp_command(app, options);
  mandate::cli::add_store_commands(app, options);
  mandate::cli::add_backup_commands(app, options);
  mandate::cli::add_witness_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mandate: " << e.what() << "\n";
    return mandate::cli::kExitBadInput;
  } catch (const mandate::Error& e) {
    std::cerr << "mandate: " << e.what() << "\n";
    return mandate::exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "mandate: " << e.what() << "\n";
    return mandate::cli::kExitEnvironment;
  }
  return exit_code;
}
