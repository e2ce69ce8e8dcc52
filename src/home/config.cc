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
    if (auto r = only_keys(*store, {"backend", "path"}, source, "store"); !r) return std::unexpected(r.error());
    auto backend = string_setting(*store, "backend", source, false, config.store_backend);
    if (!backend) return std::unexpected(backend.error());
    if (*backend != "sqlite") {
      return std::unexpected(place(source, *store->get("backend")) + ": store.backend \"" + *backend +
                             "\" is not supported (sqlite)");
    }
    auto path = string_setting(*store, "path", source, false, config.store_path);
    if (!path) return std::unexpected(path.error());
    if (path->empty()) return std::unexpected(std::string(source) + ": store.path is empty");
    config.store_backend = *backend;
    config.store_path = *path;
  } else if (root.contains("store")) {
    return std::unexpected(std::string(source) + ": store must be a table");
  }
  return config;
}

std::string render_config(const Config& config) {
  toml::table root{
      {"ledger", toml::table{{"origin", config.origin}}},
      {"store", toml::table{{"backend", config.store_backend}, {"path", config.store_path}}},
  };
  std::ostringstream out;
  out << "# mandate home configuration\n" << root << "\n";
  return out.str();
}

}  // namespace mandate::home
