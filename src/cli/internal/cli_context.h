#pragma once
// Private to the cli module: the build defines MANDATE_INSIDE_CLI only for src/cli/ and tests/cli/.
#ifndef MANDATE_INSIDE_CLI
#error "this header is internal to the cli module; include a public cli/ header instead"
#endif
// What every command shares: the global options and the way results and
// errors leave the process (JSON on stdout, messages on stderr).
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"

namespace CLI {
class App;
}

namespace mandate::home {
class Home;
}

namespace mandate::cli {

// Where a running `mandate serve` is and how to prove who we are to it.
struct RemoteOptions {
  std::string server;  // base URL; empty: the command works on the local home
  std::string token;   // bearer credential: inline, @file or - (stdin)
  std::string cert;    // mTLS client certificate (PEM), e.g. an X.509-SVID
  std::string key;     // its private key (PEM)
  std::string ca;      // CA bundle that verifies the server (default: the system's)
};

struct GlobalOptions {
  std::optional<std::string> home;
  RemoteOptions remote;
  bool is_remote() const { return !remote.server.empty(); }
};

void add_global_options(CLI::App& app, GlobalOptions& options);

// Commands with no endpoint work on a local home only. Refusing --server
// (rather than quietly opening ./.mandate) keeps anyone from believing they
// changed the server's state. open_home() refuses too, as a safety net.
void require_local(const GlobalOptions& options);
std::unique_ptr<home::Home> open_home(const GlobalOptions& options);
void print_json(const nlohmann::json& value);

// Exit codes: core/error.h's table (0 ok, 1 a check failed, 2 bad input or
// usage, 3 environment).
using mandate::kExitBadInput;
using mandate::kExitCheckFailed;
using mandate::kExitEnvironment;
using mandate::kExitOk;

void add_init_command(CLI::App& app, GlobalOptions& options);
void add_ledger_commands(CLI::App& app, GlobalOptions& options, int& exit_code);
void add_keys_commands(CLI::App& app, GlobalOptions& options);
void add_policy_commands(CLI::App& app, int& exit_code);
// Other systems' audit logs: ingest, analyze, attribution.
void add_ingest_commands(CLI::App& app, GlobalOptions& options, int& exit_code);
void add_analyze_commands(CLI::App& app, GlobalOptions& options, int& exit_code);
void add_serve_command(CLI::App& app, GlobalOptions& options);
void add_mcp_command(CLI::App& app, GlobalOptions& options);
void add_store_commands(CLI::App& app, GlobalOptions& options);
// backup DEST, restore SRC: a local SQLite home only.
void add_backup_commands(CLI::App& app, GlobalOptions& options);
// witness init|serve|public-key|log|refusals: a witness for other logs, no home.
void add_witness_commands(CLI::App& app);

}  // namespace mandate::cli
