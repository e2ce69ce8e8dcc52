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
  auto store = std::make_shared<home::StoreConfig>();
  cmd->add_option("--store-url", store->url,
                  "Keep the store in this PostgreSQL database (postgresql://user@host:port/db, no password) "
                  "instead of the home's SQLite file");
  cmd->add_option("--store-password-file", store->password_file, "The database password's file (relative to the home)");
  cmd->add_option("--store-password-env", store->password_env, "The variable that holds the database password");
  cmd->add_option("--store-pool-size", store->pool_size, "Database connections per process")->check(CLI::Range(1, 1000));
  cmd->callback([&options, origin, rules, store] {
    require_local(options);
    const auto dir = home::resolve_home(options.home);
    // Read and check the rules first: a bad file must not leave a half-made home.
    std::string rules_text;
    std::vector<core::ApprovalRule> parsed;
    if (!rules->empty()) {
      rules_text = argument_value("@" + *rules, "--rules");
      parsed = broker::parse_rules_file(rules_text, *rules);
    }
    if (!store->url.empty()) {
      store->backend = "postgresql";
    } else if (!store->password_file.empty() || !store->password_env.empty()) {
      fail(ErrorKind::bad_input, "--store-password-file and --store-password-env go with --store-url");
    }
    if (!store->password_file.empty() && !store->password_env.empty()) {
      fail(ErrorKind::bad_input, "give --store-password-file or --store-password-env, not both");
    }
    auto created = home::Home::init(dir, *origin, *store);
    if (!rules->empty()) {
      broker::Broker broker(created->store(), created->ledger(), created->keys(), broker::Settings{});
      broker.load_rules(operator_caller(), parsed, rules_text);
    }
    print_json({{"home", dir.string()},
                {"origin", created->config().origin},
                {"store", created->config().store.backend},
                {"kid", created->keys().current()->active().kid()},
                {"verifier_key", created->active_verifier().to_string()}});
  });
}

}  // namespace mandate::cli
