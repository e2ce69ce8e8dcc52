#pragma once
// What every command shares: the global options and the way results and
// errors leave the process (JSON on stdout, messages on stderr).
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace CLI {
class App;
}

namespace mandate::home {
class Home;
}

namespace mandate::cli {

struct GlobalOptions {
  std::optional<std::string> home;
};

std::unique_ptr<home::Home> open_home(const GlobalOptions& options);
void print_json(const nlohmann::json& value);

// Exit codes: 0 ok, 1 a check failed, 2 bad input or usage, 3 environment.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitEnvironment = 3;

void add_init_command(CLI::App& app, GlobalOptions& options);
void add_ledger_commands(CLI::App& app, GlobalOptions& options, int& exit_code);
void add_keys_commands(CLI::App& app, GlobalOptions& options);
void add_policy_commands(CLI::App& app, int& exit_code);
// Other systems' audit logs: ingest, analyze, attribution.
void add_ingest_commands(CLI::App& app, GlobalOptions& options);
void add_analyze_commands(CLI::App& app, GlobalOptions& options, int& exit_code);
void add_serve_command(CLI::App& app);

}  // namespace mandate::cli
