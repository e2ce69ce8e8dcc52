#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "broker/rules_file.h"
#include "cli/internal/cli_context.h"
#include "cli/internal/workflow_context.h"
#include "home/home.h"

namespace mandate::cli {

void add_init_command(CLI::App& app, GlobalOptions& options) {
  auto* cmd = app.add_subcommand("init", "Create a mandate home: store, signing key and config");
  auto origin = std::make_shared<std::string>();
  cmd->add_option("--origin", *origin, "The ledger's origin, e.g. example.com/mandate")->required();
  auto rules = std::make_shared<std::string>();
  cmd->add_option("--rules", *rules, "Approval rules (TOML) to load into the new home");
  cmd->callback([&options, origin, rules] {
    require_local(options);
    const auto dir = home::resolve_home(options.home);
    // Read and check the rules first: a bad file must not leave a half-made home.
    std::string rules_text;
    std::vector<core::ApprovalRule> parsed;
    if (!rules->empty()) {
      rules_text = argument_value("@" + *rules, "--rules");
      parsed = broker::parse_rules_file(rules_text, *rules);
    }
    auto created = home::Home::init(dir, *origin);
    if (!rules->empty()) {
      broker::Broker broker(created->store(), created->ledger(), created->keys(), broker::Settings{});
      broker.load_rules(operator_caller(), parsed, rules_text);
    }
    print_json({{"home", dir.string()},
                {"origin", created->config().origin},
                {"kid", created->keys().active().kid()},
                {"verifier_key", created->active_verifier().to_string()}});
  });
}

}  // namespace mandate::cli
