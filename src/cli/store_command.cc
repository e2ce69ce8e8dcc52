// The store itself: its schema's version and migrations, and its health.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"
#include "encoding/base64.h"
#include "home/home.h"
#include "home/store_copy.h"
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

void add_copy(CLI::App& store, GlobalOptions& options) {
  auto target = std::make_shared<home::CopyTarget>();
  target->store.backend = "postgresql";
  auto* cmd = store.add_subcommand("copy", "Copy this (SQLite) home's store into an empty PostgreSQL database, prove "
                                           "the copy, and make a new home that uses it (stop servers on this home first)");
  cmd->add_option("--to-url", target->store.url, "The empty database: postgresql://user@host:port/db (no password)")->required();
  auto* file = cmd->add_option("--password-file", target->store.password_file,
                               "The database password's file (the new home's config names it by its absolute path)");
  cmd->add_option("--password-env", target->store.password_env, "The variable that holds the database password")->excludes(file);
  cmd->add_option("--pool-size", target->store.pool_size, "The new home's database connections per process")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--into", target->new_home, "The new home's directory (must not exist)")->required();
  cmd->add_option("--rows-per-transaction", target->rows_per_transaction, "Ledger rows per copy transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->callback([&options, target] {
    require_local(options);
    if (!target->store.password_file.empty()) target->store.password_file = std::filesystem::absolute(target->store.password_file).string();
    auto source = open_home(options);
    const home::CopyReport report = home::copy_home_to_postgresql(*source, *target);
    print_json({{"home", target->new_home.string()},
                {"origin", source->config().origin},
                {"store", "postgresql"},
                {"entries", report.entries},
                {"root_hash", encoding::base64_encode(report.root)},
                {"checkpoints_matched", report.checkpoints_matched},
                {"records", report.records},
                {"meta_keys", report.meta_keys},
                {"events", report.events}});
  });
}

}  // namespace

void add_store_commands(CLI::App& app, GlobalOptions& options) {
  auto* store = app.add_subcommand("store", "The store: schema migrations, status, and a copy to PostgreSQL");
  store->require_subcommand(1);
  add_migrate(*store, options);
  add_status(*store, options);
  add_copy(*store, options);
}

}  // namespace mandate::cli
