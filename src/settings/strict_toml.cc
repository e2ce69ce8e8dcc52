#include "settings/strict_toml.h"

namespace mandate::settings {

std::string place(std::string_view source, const toml::source_region& where) {
  return std::string(source) + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
}

std::string place(std::string_view source, const toml::node& node) { return place(source, node.source()); }

std::string place(const toml::source_region& src) {
  std::string out = src.path ? std::string(*src.path) + ":" : std::string();
  return out + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

std::string place(const toml::node& node) { return place(node.source()); }

std::expected<toml::table, std::string> parse(std::string_view text, std::string_view source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return std::unexpected(place(source, e.source()) + ": " + std::string(e.description()));
  }
}

std::optional<std::string> unknown_key(const toml::table& table, const std::set<std::string>& allowed,
                                       std::string_view source, std::string_view prefix) {
  for (const auto& [key, node] : table) {
    if (!allowed.contains(std::string(key.str()))) {
      return place(source, node) + ": " + std::string(prefix) + std::string(key.str());
    }
  }
  return std::nullopt;
}

std::string unknown_setting_prefix(std::string_view section) {
  return "unknown setting " + (section.empty() ? std::string() : std::string(section) + ".");
}

std::optional<std::string> string_value(const toml::node& node) {
  if (!node.is_string()) return std::nullopt;
  return node.value<std::string>();
}

std::optional<bool> bool_value(const toml::node& node) {
  if (!node.is_boolean()) return std::nullopt;
  return node.value<bool>();
}

std::optional<std::int64_t> integer_value(const toml::node& node) {
  if (!node.is_integer()) return std::nullopt;
  return node.value<std::int64_t>();
}

std::optional<std::int64_t> integer_in(const toml::node& node, std::int64_t min, std::int64_t max) {
  const auto value = integer_value(node);
  if (!value || *value < min || *value > max) return std::nullopt;
  return value;
}

}  // namespace mandate::settings
