#include "home/config.h"

#include <set>
#include <sstream>

#include "settings/strict_toml.h"

namespace mandate::home {
namespace {

using settings::place;

std::expected<std::string, std::string> string_setting(const toml::table& table, std::string_view key,
                                                       std::string_view source, bool required,
                                                       const std::string& fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (required) return std::unexpected(std::string(source) + ": missing required setting " + std::string(key));
    return fallback;
  }
  auto value = settings::string_value(*node);
  if (!value) return std::unexpected(place(source, *node) + ": " + std::string(key) + " must be a string");
  return *value;
}

std::expected<void, std::string> only_keys(const toml::table& table, const std::set<std::string>& allowed,
                                           std::string_view source, std::string_view section) {
  if (auto unknown = settings::unknown_key(table, allowed, source, settings::unknown_setting_prefix(section))) {
    return std::unexpected(*unknown);
  }
  return {};
}

std::expected<StoreConfig, std::string> parse_sqlite_store(const toml::table& table, std::string_view source) {
  StoreConfig store;
  if (auto r = only_keys(table, {"backend", "path"}, source, "store"); !r) return std::unexpected(r.error());
  auto path = string_setting(table, "path", source, false, store.path);
  if (!path) return std::unexpected(path.error());
  if (path->empty()) return std::unexpected(place(source, *table.get("path")) + ": store.path is empty");
  store.path = *path;
  return store;
}

std::expected<StoreConfig, std::string> parse_postgresql_store(const toml::table& table, std::string_view source) {
  StoreConfig store;
  store.backend = "postgresql";
  if (auto r = only_keys(table, {"backend", "url", "password_file", "password_env", "pool_size"}, source, "store"); !r) {
    return std::unexpected(r.error());
  }
  auto url = string_setting(table, "url", source, true, "");
  if (!url) return std::unexpected(std::string(url.error()) + " (store.backend \"postgresql\" needs store.url)");
  if (!url->starts_with("postgresql://") && !url->starts_with("postgres://")) {
    return std::unexpected(place(source, *table.get("url")) + ": store.url must be a postgresql:// URL");
  }
  store.url = *url;
  auto file = string_setting(table, "password_file", source, false, "");
  auto env = string_setting(table, "password_env", source, false, "");
  if (!file) return std::unexpected(file.error());
  if (!env) return std::unexpected(env.error());
  if (!file->empty() && !env->empty()) {
    return std::unexpected(place(source, *table.get("password_env")) +
                           ": set store.password_file or store.password_env, not both");
  }
  store.password_file = *file;
  store.password_env = *env;
  if (const toml::node* pool = table.get("pool_size")) {
    const auto* n = pool->as_integer();
    if (n == nullptr || n->get() < 1 || n->get() > 1000) {
      return std::unexpected(place(source, *pool) + ": store.pool_size must be an integer from 1 to 1000");
    }
    store.pool_size = static_cast<std::size_t>(n->get());
  }
  return store;
}

std::expected<StoreConfig, std::string> parse_store(const toml::table& table, std::string_view source) {
  auto backend = string_setting(table, "backend", source, false, "sqlite");
  if (!backend) return std::unexpected(backend.error());
  if (*backend == "sqlite") return parse_sqlite_store(table, source);
  if (*backend == "postgresql") return parse_postgresql_store(table, source);
  return std::unexpected(place(source, *table.get("backend")) + ": store.backend \"" + *backend +
                         "\" is not supported (sqlite, postgresql)");
}

}  // namespace

bool valid_origin(std::string_view origin) {
  if (origin.empty() || origin.size() > 255) return false;
  for (const char c : origin) {
    if (c <= 0x20 || c >= 0x7f || c == '+') return false;
  }
  return true;
}

std::expected<Config, std::string> parse_config(std::string_view text, std::string_view source) {
  auto parsed = settings::parse(text, source);
  if (!parsed) return std::unexpected(parsed.error());
  const toml::table& root = *parsed;
  if (auto r = only_keys(root, {"ledger", "store"}, source, ""); !r) return std::unexpected(r.error());
  Config config;
  const toml::table* ledger = root["ledger"].as_table();
  if (ledger == nullptr) return std::unexpected(std::string(source) + ": missing [ledger] table");
  if (auto r = only_keys(*ledger, {"origin"}, source, "ledger"); !r) return std::unexpected(r.error());
  auto origin = string_setting(*ledger, "origin", source, true, "");
  if (!origin) return std::unexpected(origin.error());
  if (!valid_origin(*origin)) {
    return std::unexpected(place(source, *ledger->get("origin")) +
                           ": ledger.origin must be printable ASCII without spaces or '+'");
  }
  config.origin = *origin;
  if (const toml::table* store = root["store"].as_table()) {
    auto parsed_store = parse_store(*store, source);
    if (!parsed_store) return std::unexpected(parsed_store.error());
    config.store = *parsed_store;
  } else if (root.contains("store")) {
    return std::unexpected(std::string(source) + ": store must be a table");
  }
  return config;
}

std::string render_config(const Config& config) {
  toml::table store{{"backend", config.store.backend}};
  if (config.store.is_postgresql()) {
    store.insert("url", config.store.url);
    if (!config.store.password_file.empty()) store.insert("password_file", config.store.password_file);
    if (!config.store.password_env.empty()) store.insert("password_env", config.store.password_env);
    store.insert("pool_size", static_cast<std::int64_t>(config.store.pool_size));
  } else {
    store.insert("path", config.store.path);
  }
  toml::table root{
      {"ledger", toml::table{{"origin", config.origin}}},
      {"store", std::move(store)},
  };
  std::ostringstream out;
  out << "# mandate home configuration\n" << root << "\n";
  return out.str();
}

}  // namespace mandate::home
