#pragma once
// The home's config.toml: parsed strictly, so a typo is an error with its
// line and column rather than a silently ignored setting.
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace mandate::home {

// Where the store lives. SQLite: a file in the home (the embedded
// default). PostgreSQL: a database that several servers share; the URL
// carries no password, which comes from a file or the environment so the
// config can be shared and logged.
struct StoreConfig {
  std::string backend = "sqlite";   // "sqlite" | "postgresql"
  std::string path = "mandate.db";  // sqlite: relative to the home directory
  std::string url;                  // postgresql: postgresql://user@host:port/db
  std::string password_file;        // postgresql: relative to the home directory
  std::string password_env;         // postgresql: the variable that holds it
  std::size_t pool_size = 8;        // postgresql: connections per process
  bool is_postgresql() const { return backend == "postgresql"; }
};

struct Config {
  std::string origin;  // the ledger's checkpoint origin and key name
  StoreConfig store;
};

std::expected<Config, std::string> parse_config(std::string_view text, std::string_view source_name);
std::string render_config(const Config& config);

// A checkpoint origin: printable ASCII without spaces or '+', as C2SP
// signed-note key names require (conventionally "host/path").
bool valid_origin(std::string_view origin);

}  // namespace mandate::home
