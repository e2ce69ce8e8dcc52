// The store itself: its schema's version and migrations, and its health.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"
#include "home/home.h"
#include "store/postgresql/postgresql_store.h"

namespace mandate::cli {
namespace {

void add_migrate(CLI::App& store, GlobalOptions& options) {
  store.add_subcommand("migrate", "Bring the store's schema to this mandate's version (PostgreSQL; "
                                  "safe to run from several servers at once)")
      ->callback([&options] {
        require_local(options);
        const auto dir = home::resolve_home(options.home);
        const home::Config config = home::Home::read_config(dir);
        if (!config.store.is_postgresql()) {
          // SQLite homes gain new tables when they are opened.
          home::Home::open(dir);
          print_json({{"backend", "sqlite"}, {"schema_version", "current"}, {"applied", nlohmann::json::array()}});
          return;
        }
        const auto report = store::migrate_postgresql_store(home::postgresql_settings(dir, config.store));
        nlohmann::json applied = nlohmann::json::array();
        for (const auto& m : report.applied) applied.push_back({{"version", m.version}, {"description", m.description}});
        print_json({{"backend", "postgresql"},
                    {"from_version", report.from_version},
                    {"schema_version", report.to_version},
                    {"applied", applied}});
      });
}

void add_status(CLI::App& store, GlobalOptions& options) {
  store.add_subcommand("status", "Whether the store is reachable, its size and its connections")->callback([&options] {
    auto home = open_home(options);
    const store::StoreHealth h = home->store().health();
    nlohmann::json out = {{"backend", h.backend},
                          {"reachable", h.reachable},
                          {"ledger_size", home->ledger().size()}};
    if (home->config().store.is_postgresql()) out["schema_version"] = store::postgresql_schema_version();
    if (!h.reachable) out["why_not"] = h.why_not;
    print_json(out);
  });
}

}  // namespace

void add_store_commands(CLI::App& app, GlobalOptions& options) {
  auto* store = app.add_subcommand("store", "The store: schema migrations and status");
  store->require_subcommand(1);
  add_migrate(*store, options);
  add_status(*store, options);
}

}  // namespace mandate::cli
