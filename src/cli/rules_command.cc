#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/rules_file.h"
#include "cli/workflow_context.h"

namespace mandate::cli {

void add_rules_commands(CLI::App& app, GlobalOptions& options) {
  auto* rules = app.add_subcommand("rules", "Approval rules");
  rules->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* load = rules->add_subcommand("load", "Replace the approval rules with a TOML file (recorded verbatim)");
  load->add_option("file", *file)->required();
  load->callback([&options, file] {
    const std::string text = argument_value("@" + *file, "rules");
    const auto parsed = broker::parse_rules_file(text, *file);
    auto ws = open_workspace(options);
    const auto recorded = ws.broker->load_rules(operator_caller(), parsed, text);
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& r : parsed) ids.push_back(r.id);
    print_json({{"rules", ids}, {"ledger_index", recorded.ledger_index}});
  });
  rules->add_subcommand("show", "Show the rules in force")->callback([&options] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : open_workspace(options).broker->rules()) out.push_back(broker::to_json(r));
    print_json(out);
  });
}

}  // namespace mandate::cli
