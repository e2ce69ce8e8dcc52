#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_context.h"
#include "home/home.h"

namespace mandate::cli {

void add_init_command(CLI::App& app, GlobalOptions& options) {
  auto* cmd = app.add_subcommand("init", "Create a mandate home: store, signing key and config");
  auto origin = std::make_shared<std::string>();
  cmd->add_option("--origin", *origin, "The ledger's origin, e.g. example.com/mandate")->required();
  cmd->callback([&options, origin] {
    const auto dir = home::resolve_home(options.home);
    auto created = home::Home::init(dir, *origin);
    print_json({{"home", dir.string()},
                {"origin", created->config().origin},
                {"kid", created->keys().active().kid()},
                {"verifier_key", created->active_verifier().to_string()}});
  });
}

}  // namespace mandate::cli
