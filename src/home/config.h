#pragma once
// The home's config.toml: parsed strictly, so a typo is an error with its
// line and column rather than a silently ignored setting.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace mandate::home {

struct Config {
  std::string origin;               // the ledger's checkpoint origin and key name
  std::string store_backend = "sqlite";
  std::string store_path = "mandate.db";  // relative to the home directory
};

std::expected<Config, std::string> parse_config(std::string_view text, std::string_view source_name);
std::string render_config(const Config& config);

// A checkpoint origin: printable ASCII without spaces or '+', as C2SP
// signed-note key names require (conventionally "host/path").
bool valid_origin(std::string_view origin);

}  // namespace mandate::home
