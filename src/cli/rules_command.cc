#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/rules_file.h"
#include "cli/internal/remote.h"
#include "cli/internal/workflow_context.h"

namespace mandate::cli {

void add_rules_commands(CLI::App& app, GlobalOptions& options) {
  auto* rules = app.add_subcommand("rules", "Approval rules");
  rules->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* load = rules->add_subcommand("load", "Replace the approval rules with a TOML file (recorded verbatim)");
  load->add_option("file", *file)->required();
  load->callback([&options, file] {
    const std::string text = argument_value("@" + *file, "rules");
    // Parsed here in both modes: errors name the file, and the ids printed
    // are the ones the server was sent (it answers only their count).
    const auto parsed = broker::parse_rules_file(text, *file);
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& r : parsed) ids.push_back(r.id);
    std::uint64_t ledger_index = 0;
    if (options.is_remote()) {
      const auto answer = RemoteClient(options.remote).json(RemoteCall::put("/v1/rules", text, "application/toml"));
      ledger_index = answer.at("ledger_index").get<std::uint64_t>();
    } else {
      auto ws = open_workspace(options);
      ledger_index = ws.broker->load_rules(operator_caller(), parsed, text).ledger_index;
    }
    print_json({{"rules", ids}, {"ledger_index", ledger_index}});
  });
  rules->add_subcommand("show", "Show the rules in force")->callback([&options] {
    if (options.is_remote()) return print_remote(options, RemoteCall::get("/v1/rules"));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : open_workspace(options).broker->rules()) out.push_back(broker::to_json(r));
    print_json(out);
  });
}

}  // namespace mandate::cli
